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

  const cases: [string, RawConfig, string][] = [
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
      "protectCluster not a boolean",
      base({ protectCluster: "yes" }),
      'hashistack:protectCluster: received "yes"; allowed: true or false',
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

  test("lists problems in the order the checks run, one key per concern", () => {
    const keys = (raw: RawConfig) => problems(raw).map((p) => p.split(": received")[0]);
    // Each key's own check, concern by concern (the order before the split by concern).
    expect(
      keys(
        base(
          {
            protectCluster: "x",
            readinessTimeoutMinutes: "1",
            frontendReplicas: "21",
            failoverMode: "dns",
            nomadVersion: "1",
            sshViaIap: "x",
            nomadBridgeCidr: "bad",
            serverCount: "4",
            datacenter: "DC1",
            serverCont: "3",
          },
          { gcpRegion: "mars" },
        ),
      ),
    ).toEqual([
      "hashistack:serverCont",
      "gcp:region",
      "hashistack:datacenter",
      "hashistack:serverCount",
      "hashistack:nomadBridgeCidr",
      "hashistack:sshViaIap",
      "hashistack:nomadVersion",
      "hashistack:failoverMode",
      "hashistack:frontendReplicas",
      "hashistack:readinessTimeoutMinutes",
      "hashistack:protectCluster",
    ]);
    // The rules across concerns come after every key's own check: gateway reach, then the
    // subnet's room (capacity skips the failed replica count), protectCluster last.
    expect(
      keys(
        base({
          meshGatewayCidrs: '["10.0.0.0/8"]',
          subnetCidr: "10.2.0.0/28",
          clientCount: "10",
          consulVersion: "x",
          peeringGeneration: "0",
          publicApiReplicas: "21",
        }),
      ),
    ).toEqual([
      "hashistack:consulVersion",
      "hashistack:peeringGeneration",
      "hashistack:publicApiReplicas",
      "hashistack:meshGatewayCidrs",
      "hashistack:subnetCidr",
    ]);
    expect(
      keys(
        base({
          protectCluster: "x",
          apiGatewayCidrs: '["10.0.0.0/8"]',
          clientCount: "1",
          publicApiReplicas: "20",
          privateApiReplicas: "20",
          frontendReplicas: "20",
        }),
      ),
    ).toEqual([
      "hashistack:apiGatewayCidrs",
      "hashistack:clientCount",
      "hashistack:protectCluster",
    ]);
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
