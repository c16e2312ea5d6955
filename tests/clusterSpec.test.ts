/**
 * The pure half of ConsulNomadCluster (components/cluster/clusterSpec.ts): agent inputs,
 * node-group shapes per role, the control-plane LB's ports and check.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  agentConfigInput,
  ClusterConfig,
  consulProviderAddress,
  controlPlaneSpec,
  nodeGroupSpec,
} from "../components/cluster/clusterSpec";

const cfg: ClusterConfig = {
  project: "my-project",
  region: "europe-west1",
  datacenter: "dc1",
  serverCount: 5,
  clientCount: 4,
  serverMachineType: "e2-standard-2",
  clientMachineType: "e2-standard-4",
  serverDiskSizeGb: 80,
  nomadBridgeCidr: "172.26.64.0/20",
  consulVersion: "1.21.4",
  nomadVersion: "1.10.5",
  readinessTimeoutMinutes: 20,
  protectCluster: true,
};

describe("agent config input", () => {
  test("joins on the servers' network tag, in the stack's project, region and datacenter", () => {
    expect(agentConfigInput(cfg)).toEqual({
      datacenter: "dc1",
      project: "my-project",
      region: "europe-west1",
      joinTag: "dc1-server",
      serverCount: 5,
      consulEnterprise: false,
      nomadEnterprise: false,
      nomadBridgeCidr: "172.26.64.0/20",
    });
    // Cloud auto-join finds exactly the instances the server group tags.
    expect(nodeGroupSpec("server", cfg).tags).toEqual([agentConfigInput(cfg).joinTag]);
    expect(nodeGroupSpec("client", cfg).tags).not.toContain(agentConfigInput(cfg).joinTag);
  });

  test("Enterprise follows each product's license alone", () => {
    const consulOnly = agentConfigInput({ ...cfg, consulLicense: pulumi.secret("c") });
    expect([consulOnly.consulEnterprise, consulOnly.nomadEnterprise]).toEqual([true, false]);
    const nomadOnly = agentConfigInput({ ...cfg, nomadLicense: pulumi.secret("n") });
    expect([nomadOnly.consulEnterprise, nomadOnly.nomadEnterprise]).toEqual([false, true]);
  });
});

describe("node groups", () => {
  test("servers: server count and type, data disk, protection from protectCluster, autoheal on Consul HTTPS", () => {
    expect(nodeGroupSpec("server", cfg)).toEqual({
      role: "server",
      machineType: "e2-standard-2",
      size: 5,
      tags: ["dc1-server"],
      dataDiskSizeGb: 80,
      protect: true,
      autohealPort: 8501,
    });
    expect(nodeGroupSpec("server", { ...cfg, protectCluster: false }).protect).toBe(false);
  });

  test("clients: client count and type, no data disk, never protected, autoheal on Nomad's API", () => {
    expect(nodeGroupSpec("client", cfg)).toEqual({
      role: "client",
      machineType: "e2-standard-4",
      size: 4,
      tags: ["dc1-client"],
      autohealPort: 4646,
    });
  });
});

describe("control plane", () => {
  test("forwards Consul HTTPS and Nomad's API; checks the leader endpoint over HTTPS", () => {
    expect(controlPlaneSpec()).toEqual({
      role: "control-plane",
      ports: [8501, 4646],
      healthCheck: { port: 8501, https: { requestPath: "/v1/status/leader" } },
    });
  });

  test("the Consul provider's address is the URL's host and port, no scheme", () => {
    expect(consulProviderAddress("https://203.0.113.7:8501")).toBe("203.0.113.7:8501");
  });
});
