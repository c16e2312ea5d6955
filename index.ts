/**
 * One Consul + Nomad datacenter on GCP, peered with the datacenters named in config.
 * Config in, components composed, outputs out; nothing else lives here.
 */
import * as consul from "@pulumi/consul";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { AgentConfigInput } from "./components/cluster/agentConfig";
import { loadConfig } from "./components/config/loadConfig";
import { clusterTags, firewallRules } from "./components/gcp/firewallRules";
import { ClusterIdentity } from "./components/gcp/identity";
import { PassthroughLoadBalancer } from "./components/gcp/loadBalancer";
import {
  afterProjectServices,
  ProjectServices,
  requiredApis,
} from "./components/gcp/projectServices";
import { Network } from "./components/gcp/network";
import { NodeGroup, pickZones } from "./components/gcp/nodeGroup";
import { ApiGateway } from "./components/mesh/apiGateway";
import { EXPORTED, SAMENESS_GROUP, SERVICES } from "./components/mesh/configEntries";
import { DemoServices } from "./components/mesh/demoServices";
import { intentions } from "./components/mesh/intentions";
import { MeshGateway } from "./components/mesh/meshGateway";
import { ServiceMesh } from "./components/mesh/serviceMesh";
import { ClusterPeering } from "./components/peering/peering";
import { activePeers, deferralNotice } from "./components/config/deferral";
import { OUTPUTS, readAcceptorOutputs } from "./components/peering/peerOutputs";
import { ReadinessGate } from "./components/cluster/readinessGate";
import { ClusterSecrets } from "./components/gcp/secrets";
import { ServiceIntentions } from "./components/mesh/serviceIntentions";
import { renderStartupScript } from "./components/cluster/startupScript";
import { plainErrors } from "./components/config/userError";
import { PORTS } from "./components/config/constants";

// Whatever stops the program prints as plain text, once (components/config/userError.ts).
export = plainErrors(async () => {
  // Validated before any resource exists: bad input fails here with every problem listed.
  const cfg = loadConfig();
  // --- Deferred peering (npm run deploy's platform phase; components/config/deferral.ts) ---
  // Dialer peers in hashistack:deferredPeers are left out of this run entirely; `peers`
  // replaces cfg.peers wherever a peer-related object is made. Empty by default.
  const peers = activePeers(cfg.peers, cfg.deferredPeers);
  const deferral = deferralNotice(cfg.peers, cfg.deferredPeers);
  if (deferral) void pulumi.log.info(deferral);
  // --- end deferred peering ---
  // Cross-stack inputs next, also before anything is created: a dialer deployed before its
  // acceptor stops here, naming the stack and the output.
  const acceptors = await readAcceptorOutputs(cfg.datacenter, peers);
  const dc = cfg.datacenter;
  const tags = clusterTags(dc);
  const apiGateway = cfg.replicas.frontend > 0;
  // From an empty project: the stack enables its APIs and checks the deployer's roles; every
  // GCP resource after this line waits for both (README, "From an empty project").
  const apis = new ProjectServices(`${dc}-apis`, { project: cfg.project, apis: requiredApis(cfg) });
  pulumi.runtime.registerStackTransformation(afterProjectServices(apis.ready));

  const network = new Network(dc, {
    datacenter: dc,
    region: cfg.region,
    subnetCidr: cfg.subnetCidr,
    firewall: firewallRules({ ...cfg, datacenter: dc, apiGateway }),
  });
  const identity = new ClusterIdentity(dc, { project: cfg.project, datacenter: dc });
  const secrets = new ClusterSecrets(dc, {
    project: cfg.project,
    datacenter: dc,
    controlPlaneIp: network.controlPlaneAddress.address,
    serverAccountEmail: identity.serverAccount.email,
    clientAccountEmail: identity.clientAccount.email,
    consulLicense: cfg.consulLicense,
    nomadLicense: cfg.nomadLicense,
    protectCaKey: cfg.protectCluster,
  });

  const agent: AgentConfigInput = {
    datacenter: dc,
    project: cfg.project,
    region: cfg.region,
    joinTag: tags.server,
    serverCount: cfg.serverCount,
    consulEnterprise: cfg.consulLicense !== undefined,
    nomadEnterprise: cfg.nomadLicense !== undefined,
    nomadBridgeCidr: cfg.nomadBridgeCidr,
  };
  const versions = { consulVersion: cfg.consulVersion, nomadVersion: cfg.nomadVersion };
  // All zones of the region (not only those UP right now: a zone's passing outage must not
  // change the MIGs' zones, which would replace every server).
  // After the Compute API is on: a preview of an empty project leaves the zones unknown.
  const zones = gcp.compute
    .getZonesOutput({ project: cfg.project, region: cfg.region }, { dependsOn: apis.ready })
    .names.apply(pickZones);
  const group = { datacenter: dc, region: cfg.region, zones, subnetwork: network.subnetwork.id };
  // Each group boots only after the secrets it reads (versions and grants) and its account's
  // role bindings exist: the startup script reads them, cloud auto-join lists instances.
  // Neither waits for the other group's.

  const servers = new NodeGroup(`${dc}-servers`, {
    ...group,
    bootAfter: [...secrets.bootDependencies.server, ...identity.roleBindings.servers],
    role: "server",
    machineType: cfg.serverMachineType,
    size: cfg.serverCount,
    tags: [tags.server],
    serviceAccountEmail: identity.serverAccount.email,
    dataDiskSizeGb: cfg.serverDiskSizeGb,
    protect: cfg.protectCluster,
    autohealPort: PORTS.consulHttps,
    startupScript: secrets.accessors.apply((accessors) =>
      renderStartupScript({
        role: "server",
        agent,
        ...versions,
        secrets: secrets.names.server,
        accessors,
      }),
    ),
  });
  const clients = new NodeGroup(`${dc}-clients`, {
    ...group,
    bootAfter: [...secrets.bootDependencies.client, ...identity.roleBindings.clients],
    role: "client",
    machineType: cfg.clientMachineType,
    size: cfg.clientCount,
    tags: [tags.client],
    serviceAccountEmail: identity.clientAccount.email,
    autohealPort: PORTS.nomadHttp,
    startupScript: renderStartupScript({
      role: "client",
      agent,
      ...versions,
      secrets: secrets.names.client,
    }),
  });

  // Regional passthrough LBs on reserved IPs; `role` names the GCE objects.
  const lb = (
    role: string,
    address: pulumi.Input<string>,
    ports: number[],
    healthCheck: { port: number; https?: { requestPath: string } },
    group: NodeGroup,
  ) =>
    new PassthroughLoadBalancer(`${dc}-${role}`, {
      datacenter: dc,
      region: cfg.region,
      role,
      address,
      ports,
      healthCheck,
      instanceGroup: group.group.instanceGroup,
    });
  // Any server with a running Consul answers /v1/status/leader; no token needed.
  const controlPlane = lb(
    "control-plane",
    network.controlPlaneAddress.address,
    [PORTS.consulHttps, PORTS.nomadHttp],
    { port: PORTS.consulHttps, https: { requestPath: "/v1/status/leader" } },
    servers,
  );

  const cpIp = controlPlane.forwardingRule.ipAddress;
  const consulUrl = pulumi.interpolate`https://${cpIp}:${PORTS.consulHttps}`;
  const nomadUrl = pulumi.interpolate`https://${cpIp}:${PORTS.nomadHttp}`;
  // Everything in-cluster lives in the servers' Raft state: deleting the server group deletes
  // it all, so `pulumi destroy` skips each in-cluster delete (which would need a healthy
  // cluster), and the group's replacement replaces them too (engine: deletedWith; the
  // replacement from CLI 3.260, pulumi/pulumi#23818: components/config/cliRequirement.ts).
  const cluster = { deletedWith: servers.group };
  // Nothing in-cluster is configured before Consul and Nomad answer through the LB over
  // TLS verified against our CA (the server certificate carries the LB's IP).
  const gate = new ReadinessGate(
    `${dc}-readiness`,
    {
      consulAddress: consulUrl,
      nomadAddress: nomadUrl,
      caPem: secrets.caCertPem,
      consulToken: secrets.consulToken,
      nomadToken: secrets.nomadToken,
      expectedClients: cfg.clientCount,
      timeoutSeconds: cfg.readinessTimeoutMinutes * 60,
      bootReport: {
        project: cfg.project,
        region: cfg.region,
        groups: [servers.group.name, clients.group.name],
      },
    },
    { dependsOn: [controlPlane, servers, clients], ...cluster },
  );

  // In-cluster objects take their connection from the gate's outputs: none can start
  // before the gate passed. TLS is verified against our CA; never insecureHttps.
  const consulProvider = new consul.Provider(`${dc}-consul`, {
    address: gate.consulAddress.apply((u) => new URL(u).host),
    scheme: "https",
    caPem: gate.caPem,
    token: gate.consulToken,
    datacenter: dc,
  });
  const nomad = { address: gate.nomadAddress, caPem: gate.caPem, token: gate.nomadToken };
  const inCluster = { providers: { consul: consulProvider }, ...cluster };

  // The mesh: workload identity and mesh-wide entries, the gateways (each with its address
  // and LB on the client group), the demo jobs. The gateway components keep `deletedWith`
  // for their in-cluster children only (components/mesh/gatewayOptions.ts).
  const mesh = new ServiceMesh(`${dc}-mesh`, { caPem: gate.caPem }, inCluster);
  const gatewayArgs = {
    datacenter: dc,
    region: cfg.region,
    clientInstanceGroup: clients.group.instanceGroup,
    nomad,
    authMethod: mesh.authMethodName,
    identity: mesh.identity,
  };
  const meshGateway = new MeshGateway(`${dc}-mesh-gateway`, gatewayArgs, inCluster);
  const ingress = apiGateway
    ? new ApiGateway(
        `${dc}-api-gateway`,
        {
          ...gatewayArgs,
          listenerPort: cfg.apiGatewayPort,
          consulVersion: cfg.consulVersion,
          caPem: gate.caPem,
        },
        inCluster,
      )
    : undefined;
  new DemoServices(
    `${dc}-demo`,
    {
      datacenter: dc,
      nomad,
      replicas: cfg.replicas,
      // All configured peers, deferred or not (components/mesh/workloads.ts, frontendUpstreams).
      peerNames: cfg.peers.map((p) => p.peerName),
      after: mesh.servicesReady,
    },
    inCluster,
  );
  const peering = new ClusterPeering(
    `${dc}-peering`,
    {
      datacenter: dc,
      peers,
      failoverMode: cfg.failoverMode,
      peeringGeneration: cfg.peeringGeneration,
      acceptors,
      consul: { address: gate.consulAddress, caPem: gate.caPem, token: gate.consulToken },
      // Tokens and peerings wait for this side's mesh entry and healthy mesh gateway.
      meshReady: [mesh.meshEntry, ...meshGateway.ready],
      timeoutSeconds: cfg.readinessTimeoutMinutes * 60,
    },
    inCluster,
  );
  // Not inside ServiceMesh: peer-sourced intentions wait for the peering objects, which wait
  // for ServiceMesh's mesh entry (components/mesh/serviceIntentions.ts).
  new ServiceIntentions(
    `${dc}-intentions`,
    {
      intentions: intentions({
        localFrontend: apiGateway,
        consumerPeers: peers.map((p) => p.peerName),
        ...(cfg.failoverMode === "sameness-group" ? { samenessGroup: SAMENESS_GROUP } : {}),
      }),
      after: peering.peeringObjects,
    },
    inCluster,
  );
  const acceptsPeers = peers.some((p) => p.role === "acceptor");
  const dialsPeers = peers.some((p) => p.role === "dialer");
  const runningBackends = EXPORTED.filter(
    (s) => (s === SERVICES.publicApi ? cfg.replicas.publicApi : cfg.replicas.privateApi) > 0,
  );

  return {
    datacenter: dc,
    consulUrl,
    nomadUrl,
    ...(ingress ? { apiGatewayUrl: ingress.url } : {}),
    meshGatewayAddress: pulumi.interpolate`${meshGateway.address}:${PORTS.meshGateway}`,
    caCertPem: secrets.caCertPem,
    consulToken: pulumi.secret(secrets.consulToken),
    nomadToken: pulumi.secret(secrets.nomadToken),
    peerNames: cfg.peers.map((p) => p.peerName),
    // What dialers read through their StackReference (names in components/peering/peering.ts).
    [OUTPUTS.exported]: runningBackends,
    ...(acceptsPeers ? { [OUTPUTS.tokens]: peering.tokens } : {}),
    ...(dialsPeers ? { peerings: peering.peerings } : {}),
    ...(cfg.deferredPeers.length > 0 ? { deferredPeers: cfg.deferredPeers } : {}),
  };
});
