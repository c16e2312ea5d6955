/**
 * One Consul + Nomad datacenter on GCP, peered with the datacenters named in config.
 * Config in, components composed, outputs out; nothing else lives here.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConsulNomadCluster } from "./components/cluster/consulNomadCluster";
import { loadConfig } from "./components/config/loadConfig";
import { firewallRules } from "./components/gcp/firewallRules";
import { ClusterIdentity } from "./components/gcp/identity";
import { projectServicesFirst } from "./components/gcp/projectServices";
import { Network } from "./components/gcp/network";
import { ApiGateway } from "./components/mesh/apiGateway";
import { DemoServices } from "./components/mesh/demoServices";
import { MeshGateway } from "./components/mesh/meshGateway";
import { ServiceMesh } from "./components/mesh/serviceMesh";
import { ClusterPeering } from "./components/peering/peering";
import { activePeers, deferralNotice } from "./components/config/deferral";
import { peeringStackOutputs, readAcceptorOutputs } from "./components/peering/peerOutputs";
import { ClusterSecrets } from "./components/gcp/secrets";
import { ServiceIntentions } from "./components/mesh/serviceIntentions";
import { plainErrors } from "./components/config/userError";
import { PORTS } from "./components/config/constants";

// Whatever stops the program prints as plain text, once (components/config/userError.ts).
export = plainErrors(async () => {
  // Validated before any resource exists: bad input fails here with every problem listed.
  const cfg = loadConfig();
  // Dialer peers in hashistack:deferredPeers (npm run deploy's first phase) are left out of
  // this run entirely: `peers` replaces cfg.peers for every peer object (config/deferral.ts).
  const peers = activePeers(cfg.peers, cfg.deferredPeers);
  const deferral = deferralNotice(cfg.peers, cfg.deferredPeers);
  if (deferral) void pulumi.log.info(deferral);
  // Cross-stack inputs next, before any resource: a dialer without its acceptor stops here.
  const acceptors = await readAcceptorOutputs(cfg.datacenter, peers);
  const dc = cfg.datacenter;
  const apiGateway = cfg.replicas.frontend > 0;
  // From an empty project: every GCP resource after this waits for the APIs and the deployer check.
  const apis = projectServicesFirst(`${dc}-apis`, cfg);
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
  // Both node groups, the control-plane LB and the readiness gate. Everything in-cluster below
  // takes its Consul provider and Nomad connection, and is deleted with its server group (the
  // in-cluster children only, never a gateway's GCP objects: components/config/childOptions.ts).
  const consulNomad = new ConsulNomadCluster(dc, {
    config: cfg,
    subnetwork: network.subnetwork.id,
    controlPlaneAddress: network.controlPlaneAddress.address,
    identity,
    secrets,
    apisReady: apis.ready,
  });
  const { nomad, caPem, consulUrl, nomadUrl, serverGroup: inClusterDeletedWith } = consulNomad;
  const withConsul = { providers: { consul: consulNomad.consulProvider } };
  // The mesh: identity and mesh-wide entries, gateways (address + LB on the clients), demo jobs.
  const mesh = new ServiceMesh(`${dc}-service-mesh`, { caPem, inClusterDeletedWith }, withConsul);
  const gatewayArgs = {
    inClusterDeletedWith,
    datacenter: dc,
    region: cfg.region,
    clientInstanceGroup: consulNomad.clientInstanceGroup,
    nomad,
    authMethod: mesh.authMethodName,
    identity: mesh.identity,
  };
  const meshGateway = new MeshGateway(`${dc}-mesh-gateway`, gatewayArgs, withConsul);
  const ingress = apiGateway
    ? new ApiGateway(
        `${dc}-api-gateway`,
        {
          ...gatewayArgs,
          listenerPort: cfg.apiGatewayPort,
          consulVersion: cfg.consulVersion,
          caPem,
        },
        withConsul,
      )
    : undefined;
  new DemoServices(
    `${dc}-demo`,
    {
      inClusterDeletedWith,
      datacenter: dc,
      nomad,
      replicas: cfg.replicas,
      // All configured peers, deferred or not (components/mesh/jobspecs.ts, frontendUpstreams).
      peerNames: cfg.peers.map((p) => p.peerName),
      after: mesh.servicesReady,
    },
    withConsul,
  );
  const peering = new ClusterPeering(
    `${dc}-peering`,
    {
      inClusterDeletedWith,
      datacenter: dc,
      peers,
      failoverMode: cfg.failoverMode,
      peeringGeneration: cfg.peeringGeneration,
      acceptors,
      consul: consulNomad.consul,
      meshReady: [mesh.meshEntry, ...meshGateway.ready],
      timeoutSeconds: cfg.readinessTimeoutMinutes * 60,
    },
    withConsul,
  );
  // After the peering: peer-sourced intentions wait for its objects (mesh/serviceIntentions.ts).
  new ServiceIntentions(
    `${dc}-intentions`,
    {
      inClusterDeletedWith,
      localFrontend: apiGateway,
      consumerPeers: peers.map((p) => p.peerName),
      samenessGroup: cfg.failoverMode === "sameness-group",
      after: peering.peeringObjects,
    },
    withConsul,
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
    // What dialers read through their StackReference (components/peering/peerOutputs.ts).
    ...peeringStackOutputs({
      ...cfg,
      activePeers: peers,
      tokens: peering.tokens,
      peerings: peering.peerings,
    }),
  };
});
