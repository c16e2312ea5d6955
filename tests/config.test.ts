import * as pulumi from "@pulumi/pulumi";
import { ConfigError, RawConfig, validateConfig } from "../components/config/loadConfig";
import { runProgram } from "./harness/program";

/** A valid dc1-like raw config; each case below breaks it in one way. */
function base(
  values: Record<string, string | undefined> = {},
  extra: Partial<RawConfig> = {},
): RawConfig {
  return {
    gcpProject: "my-project-1",
    gcpRegion: "europe-west1",
    values: {
      datacenter: "dc1",
      subnetCidr: "10.2.0.0/16",
      operatorCidrs: '["1.2.3.0/24"]',
      peers: '["acceptor:dc2"]',
      ...values,
    },
    organization: "acme",
    ...extra,
  };
}

function problems(raw: RawConfig): string[] {
  try {
    validateConfig(raw, "dc1");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map(
      (p) => `${p.key}: received ${p.received}; allowed: ${p.allowed}`,
    );
  }
  throw new Error("expected a ConfigError");
}

describe("validateConfig", () => {
  test("the base config is valid and gets the documented defaults", () => {
    const cfg = validateConfig(base(), "dc1");
    expect(cfg).toMatchObject({
      datacenter: "dc1",
      serverCount: 3,
      clientCount: 2,
      apiGatewayPort: 8080,
      failoverMode: "none",
      peeringGeneration: 1,
      replicas: { publicApi: 2, privateApi: 2, frontend: 1 },
      peers: [{ role: "acceptor", datacenter: "dc2", peerName: "dc2-default" }],
      operatorCidrs: ["1.2.3.0/24"],
      meshGatewayCidrs: ["0.0.0.0/0"],
      sshViaIap: false,
      protectCluster: true,
    });
    expect(cfg.consulLicense).toBeUndefined();
  });

  test("a dialer entry naming just the stack is qualified with the organization and project", () => {
    const cfg = validateConfig(
      base({ datacenter: "dc2", peers: '["dialer:dc1:dc1"]' }, { project: "hashistack" }),
      "dc2",
    );
    expect(cfg.peers).toEqual([
      { role: "dialer", datacenter: "dc1", peerName: "dc1-default", stack: "acme/hashistack/dc1" },
    ]);
  });

  test.each([
    ["unset", undefined],
    ["empty", ""],
    ["whitespace only", "  \n"],
  ])("license %s: no license, nothing Enterprise", (_name, value) => {
    const lic = value === undefined ? undefined : { value, secret: true };
    const cfg = validateConfig(base({}, { consulLicense: lic, nomadLicense: lic }), "dc1");
    expect(cfg.consulLicense).toBeUndefined();
    expect(cfg.nomadLicense).toBeUndefined();
  });

  test("a license comes out as a Pulumi secret", async () => {
    const cfg = validateConfig(
      base({}, { nomadLicense: { value: "02MV4UU43BK5HGYY", secret: true } }),
      "dc1",
    );
    expect(cfg.nomadLicense).toBeDefined();
    expect(await pulumi.isSecret(cfg.nomadLicense as pulumi.Output<string>)).toBe(true);
  });

  test("a dialer keeps its fully-qualified acceptor stack", () => {
    const cfg = validateConfig(
      base({ datacenter: "dc2", peers: '["dialer:dc1:acme/hashistack/dc1"]' }),
      "dc2",
    );
    expect(cfg.peers).toEqual([
      { role: "dialer", datacenter: "dc1", peerName: "dc1-default", stack: "acme/hashistack/dc1" },
    ]);
  });

  const cases: [string, RawConfig, string][] = [
    [
      "even server count",
      base({ serverCount: "4" }),
      'hashistack:serverCount: received "4"; allowed: 3 or 5 (an odd count keeps Raft quorum)',
    ],
    [
      "server count 1",
      base({ serverCount: "1" }),
      'hashistack:serverCount: received "1"; allowed: 3 or 5 (an odd count keeps Raft quorum)',
    ],
    [
      "non-numeric server count",
      base({ serverCount: "three" }),
      'hashistack:serverCount: received "three"; allowed: 3 or 5 (an odd count keeps Raft quorum)',
    ],
    [
      "zero clients",
      base({ clientCount: "0" }),
      'hashistack:clientCount: received "0"; allowed: an integer from 1 to 100',
    ],
    [
      "malformed subnet CIDR",
      base({ subnetCidr: "10.2.0.0/33" }),
      'hashistack:subnetCidr: received "10.2.0.0/33"; allowed: a private IPv4 CIDR block: the prefix length is greater than 32',
    ],
    [
      "subnet with host bits",
      base({ subnetCidr: "10.2.0.1/16" }),
      'hashistack:subnetCidr: received "10.2.0.1/16"; allowed: a private IPv4 CIDR block: host bits are set (did you mean 10.2.0.0/16?)',
    ],
    [
      "public subnet",
      base({ subnetCidr: "8.8.0.0/16" }),
      'hashistack:subnetCidr: received "8.8.0.0/16"; allowed: a CIDR block from /16 to /28 inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16',
    ],
    [
      "subnet overlapping the Nomad bridge",
      base({ subnetCidr: "172.26.0.0/16" }),
      'hashistack:nomadBridgeCidr: received "172.26.64.0/20"; allowed: a range that does not overlap hashistack:subnetCidr (172.26.0.0/16)',
    ],
    [
      "subnet overlapping Docker's bridge",
      base({ subnetCidr: "172.17.0.0/20" }),
      'hashistack:subnetCidr: received "172.17.0.0/20"; allowed: a range that does not overlap Docker\'s bridge 172.17.0.0/16',
    ],
    [
      "missing subnet",
      base({ subnetCidr: undefined }),
      "hashistack:subnetCidr: received (not set); allowed: a private IPv4 CIDR block from /16 to /28 (required, no default)",
    ],
    [
      "missing datacenter",
      base({ datacenter: undefined }),
      "hashistack:datacenter: received (not set); allowed: 2-20 lowercase letters, digits or hyphens, starting with a letter (required, no default)",
    ],
    [
      "uppercase datacenter",
      base({ datacenter: "DC1" }),
      'hashistack:datacenter: received "DC1"; allowed: 2-20 lowercase letters, digits or hyphens, starting with a letter',
    ],
    [
      "missing operator CIDRs",
      base({ operatorCidrs: undefined }),
      'hashistack:operatorCidrs: received (not set); allowed: a non-empty JSON list of IPv4 CIDR blocks, e.g. ["<your egress address>/32"] (required, no default)',
    ],
    [
      "empty operator CIDRs",
      base({ operatorCidrs: "[]" }),
      'hashistack:operatorCidrs: received "[]"; allowed: a non-empty JSON list of IPv4 CIDR blocks, e.g. ["<your egress address>/32"]',
    ],
    [
      "bad operator CIDR",
      base({ operatorCidrs: '["1.2.3.0/24","my-laptop"]' }),
      'hashistack:operatorCidrs[1]: received "my-laptop"; allowed: an IPv4 CIDR block: not an IPv4 CIDR block like 10.2.0.0/16',
    ],
    [
      "unknown failover mode",
      base({ failoverMode: "dns" }),
      'hashistack:failoverMode: received "dns"; allowed: none, resolver, sameness-group',
    ],
    [
      "sameness-group without an Enterprise license",
      base({ failoverMode: "sameness-group" }),
      'hashistack:failoverMode: received "sameness-group"; allowed: "none" or "resolver": sameness groups are Consul Enterprise only; set hashistack:consulLicense (secret) to use them',
    ],
    [
      "failover without peers",
      base({ failoverMode: "resolver", peers: "[]" }),
      'hashistack:failoverMode: received "resolver"; allowed: "none" when hashistack:peers is empty (failover needs a peer)',
    ],
    [
      "dialer without a stack name",
      base({ peers: '["dialer:dc2"]' }),
      'hashistack:peers[0]: received "dialer:dc2"; allowed: a dialer names its acceptor\'s stack: "dialer:<remote-datacenter>:<stack>" (a stack of this project) or "dialer:<remote-datacenter>:<org>/<project>/<stack>"',
    ],
    [
      "dialer with a project/stack name",
      base({ peers: '["dialer:dc2:hashistack/dc2"]' }),
      'hashistack:peers[0]: received "dialer:dc2:hashistack/dc2"; allowed: a dialer names its acceptor\'s stack: "dialer:<remote-datacenter>:<stack>" (a stack of this project) or "dialer:<remote-datacenter>:<org>/<project>/<stack>", each name part letters, digits, ".", "_" or "-"',
    ],
    [
      "short dialer entry when the CLI passed no organization",
      base({ peers: '["dialer:dc2:dc2"]' }, { organization: undefined }),
      'hashistack:peers[0]: received "dialer:dc2:dc2"; allowed: the fully-qualified "dialer:dc2:<org>/hashistack/dc2": this Pulumi CLI passed no organization to the program',
    ],
    [
      "dialer of its own stack, short form",
      base({ peers: '["dialer:dc2:dc1"]' }),
      'hashistack:peers[0]: received "dialer:dc2:dc1"; allowed: the acceptor\'s stack, not this one (acme/hashistack/dc1): a dialer reads the peering token its acceptor exports',
    ],
    [
      "dialer of its own stack, fully qualified",
      base({ peers: '["dialer:dc2:acme/hashistack/dc1"]' }),
      'hashistack:peers[0]: received "dialer:dc2:acme/hashistack/dc1"; allowed: the acceptor\'s stack, not this one (acme/hashistack/dc1): a dialer reads the peering token its acceptor exports',
    ],
    [
      "unknown peer role",
      base({ peers: '["friend:dc2"]' }),
      'hashistack:peers[0]: received "friend:dc2"; allowed: "acceptor:<remote-datacenter>", "dialer:<remote-datacenter>:<stack>" or "dialer:<remote-datacenter>:<org>/<project>/<stack>", the datacenter being 2-20 lowercase letters, digits or hyphens, starting with a letter',
    ],
    [
      "sameness-group with an empty Consul license",
      base({ failoverMode: "sameness-group" }, { consulLicense: { value: "", secret: true } }),
      'hashistack:failoverMode: received "sameness-group"; allowed: "none" or "resolver": sameness groups are Consul Enterprise only; set hashistack:consulLicense (secret) to use them (it is set but blank, which means none)',
    ],
    [
      "sameness-group with a whitespace-only Consul license",
      base({ failoverMode: "sameness-group" }, { consulLicense: { value: " \t\n", secret: true } }),
      'hashistack:failoverMode: received "sameness-group"; allowed: "none" or "resolver": sameness groups are Consul Enterprise only; set hashistack:consulLicense (secret) to use them (it is set but blank, which means none)',
    ],
    [
      "a license stored in plain text",
      base({}, { consulLicense: { value: "02MV4UU43BK5HGYY", secret: false } }),
      "hashistack:consulLicense: received a plain-text value (not shown); allowed: a secret: pulumi config set --secret hashistack:consulLicense <license> (plain text would sit readable in the stack file)",
    ],
    [
      "protectCluster not a boolean",
      base({ protectCluster: "yes" }),
      'hashistack:protectCluster: received "yes"; allowed: true or false',
    ],
    [
      "peering with itself",
      base({ peers: '["acceptor:dc1"]' }),
      'hashistack:peers: received "[\\"acceptor:dc1\\"]"; allowed: remote datacenters other than this one (dc1)',
    ],
    [
      "duplicate peer",
      base({ peers: '["acceptor:dc2","dialer:dc2:o/p/dc2"]' }),
      'hashistack:peers: received "[\\"acceptor:dc2\\",\\"dialer:dc2:o/p/dc2\\"]"; allowed: each remote datacenter once',
    ],
    [
      "peers not a list",
      base({ peers: "dc2" }),
      'hashistack:peers: received "dc2"; allowed: a JSON list of "acceptor:<remote-datacenter>", "dialer:<remote-datacenter>:<stack>" or "dialer:<remote-datacenter>:<org>/<project>/<stack>"',
    ],
    [
      "negative replicas",
      base({ publicApiReplicas: "-1" }),
      'hashistack:publicApiReplicas: received "-1"; allowed: an integer from 0 to 20',
    ],
    [
      "fractional replicas",
      base({ privateApiReplicas: "1.5" }),
      'hashistack:privateApiReplicas: received "1.5"; allowed: an integer from 0 to 20',
    ],
    [
      "bad Consul version",
      base({ consulVersion: "v1.21" }),
      'hashistack:consulVersion: received "v1.21"; allowed: a release version x.y.z, at least 1.18.0, with major 1 or 2, minor and patch at most 99 and no leading zeros (no "v" prefix, no "+ent": Enterprise follows the license)',
    ],
    [
      "too old Nomad version",
      base({ nomadVersion: "1.6.9" }),
      'hashistack:nomadVersion: received "1.6.9"; allowed: a release version x.y.z, at least 1.8.0, with major 1 or 2, minor and patch at most 99 and no leading zeros (no "v" prefix, no "+ent": Enterprise follows the license)',
    ],
    [
      "API gateway on a Consul port",
      base({ apiGatewayPort: "8501" }),
      'hashistack:apiGatewayPort: received "8501"; allowed: a port from 1024 to 65535 not used by Consul (8500-8503)',
    ],
    [
      "API gateway on the mesh gateway port",
      base({ apiGatewayPort: "8443" }),
      'hashistack:apiGatewayPort: received "8443"; allowed: a port from 1024 to 65535 not used by the mesh gateway (8443-8443)',
    ],
    [
      "peering generation zero",
      base({ peeringGeneration: "0" }),
      'hashistack:peeringGeneration: received "0"; allowed: an integer from 1 to 1000000',
    ],
    [
      "misspelled key",
      base({ serverCont: "3" }),
      `hashistack:serverCont: received "3"; allowed: one of the known keys: datacenter, serverCount, clientCount, serverMachineType, clientMachineType, serverDiskSizeGb, subnetCidr, nomadBridgeCidr, operatorCidrs, allowWideOperatorCidrs, apiGatewayCidrs, meshGatewayCidrs, sshViaIap, apiGatewayPort, consulVersion, nomadVersion, peers, failoverMode, peeringGeneration, publicApiReplicas, privateApiReplicas, frontendReplicas, readinessTimeoutMinutes, deferredPeers, protectCluster, consulLicense, nomadLicense`,
    ],
    [
      "missing GCP project",
      base({}, { gcpProject: undefined }),
      "gcp:project: received (not set); allowed: a GCP project id: 6-30 lowercase letters, digits or hyphens (required)",
    ],
    [
      "bad GCP region",
      base({}, { gcpRegion: "europe-west1-b" }),
      'gcp:region: received "europe-west1-b"; allowed: a GCP region such as europe-west1 (required)',
    ],
    [
      "sshViaIap not a boolean",
      base({ sshViaIap: "yes" }),
      'hashistack:sshViaIap: received "yes"; allowed: true or false',
    ],
    [
      "readiness timeout too long",
      base({ readinessTimeoutMinutes: "600" }),
      'hashistack:readinessTimeoutMinutes: received "600"; allowed: an integer from 15 to 120: at least the 15 minutes autohealing gives a new VM before judging it, so the gate never gives up on VMs GCE still counts as booting (a failed boot ends the wait at once)',
    ],
  ];

  test.each(cases)(
    "rejects %s with one message naming key, value and what is allowed",
    (_name, raw, message) => {
      expect(problems(raw)).toEqual([message]);
    },
  );

  test("reports several problems together, in one error", () => {
    const found = problems(base({ serverCount: "4", subnetCidr: "nope", failoverMode: "dns" }));
    expect(found).toHaveLength(3);
    expect(found.map((p) => p.split(":")[1])).toEqual([
      "serverCount",
      "subnetCidr",
      "failoverMode",
    ]);
  });

  test("sameness-group is accepted with a Consul Enterprise license", () => {
    const cfg = validateConfig(
      base({ failoverMode: "sameness-group" }, { consulLicense: { value: "lic", secret: true } }),
      "dc1",
    );
    expect(cfg.failoverMode).toBe("sameness-group");
  });

  test("the error text lists every problem under one header", () => {
    expect(() => validateConfig(base({ serverCount: "4", clientCount: "0" }), "dc1")).toThrow(
      'Invalid configuration for stack "dc1" (2 problems); nothing was created:\n' +
        '  - hashistack:serverCount: received "4"; allowed: 3 or 5 (an odd count keeps Raft quorum)\n' +
        '  - hashistack:clientCount: received "0"; allowed: an integer from 1 to 100',
    );
  });
});

describe("config through the program", () => {
  test("bad config fails before any resource is registered", async () => {
    const run = await runProgram({
      stack: "dc1",
      config: { "hashistack:serverCount": 4, "hashistack:operatorCidrs": null },
    });
    expect(run.error?.message).toContain('hashistack:serverCount: received "4"');
    expect(run.error?.message).toContain("hashistack:operatorCidrs: received (not set)");
    expect(run.graph.all().map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });

  test("a license set as secret config is accepted and stays secret", async () => {
    const run = await runProgram({
      stack: "dc1",
      config: {
        "hashistack:consulLicense": "LICENSE-TEXT",
        "hashistack:failoverMode": "sameness-group",
      },
      secretKeys: ["hashistack:consulLicense"],
    });
    expect(run.error).toBeUndefined();
  });

  test("blank licenses turn nothing Enterprise on: no license secret, OSS packages, no license file", async () => {
    const run = await runProgram({
      stack: "dc1",
      config: { "hashistack:consulLicense": "", "hashistack:nomadLicense": "  " },
      secretKeys: ["hashistack:consulLicense", "hashistack:nomadLicense"],
    });
    if (run.error) throw run.error;
    expect(run.graph.all().filter((r) => r.name.includes("license"))).toEqual([]);
    const script = String(
      (run.graph.get("dc1-servers-template").inputs.metadata as Record<string, string>)[
        "startup-script"
      ],
    );
    // The same run with a real license installs consul-enterprise and writes license_path
    // (tests/platform.test.ts): here neither.
    expect(script).toContain("readonly PACKAGES='consul=1.22.6-1 nomad=1.10.3-1");
    expect(script).toContain("readonly SECRET_CONSUL_LICENSE=''");
    expect(script).toContain("readonly SECRET_NOMAD_LICENSE=''");
    expect(script).not.toContain("license_path");
  });

  test("a blank Consul license does not pass the sameness-group check", async () => {
    const run = await runProgram({
      stack: "dc1",
      config: { "hashistack:consulLicense": " ", "hashistack:failoverMode": "sameness-group" },
      secretKeys: ["hashistack:consulLicense"],
    });
    expect(run.error?.message).toContain(
      "set hashistack:consulLicense (secret) to use them (it is set but blank, which means none)",
    );
    expect(run.graph.all().map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });

  test("a license the CLI passes as plain text is refused without being shown", async () => {
    const run = await runProgram({
      stack: "dc1",
      config: { "hashistack:nomadLicense": "02MV4UU43BK5HGYY-PLAIN" },
    });
    expect(run.error?.message).toContain(
      "hashistack:nomadLicense: received a plain-text value (not shown); allowed: a secret",
    );
    expect(run.error?.message).not.toContain("02MV4UU43BK5HGYY");
  });

  test.each(["dc1", "dc2"])("the shipped %s config is valid", async (stack) => {
    const run = await runProgram({ stack });
    expect(run.error).toBeUndefined();
    expect(run.plainOutputs.datacenter).toBe(stack);
  });
});
