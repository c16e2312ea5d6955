/**
 * Bad input that used to get through validation (issue 11): each category is refused with
 * one exact message naming the key, the value received and what is allowed, before any
 * resource exists. The categories of one concern live in its test file (configCounts,
 * configNetworkChecks, configGateways, configVersions); here the rest and the limits.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { validateConfig } from "../components/config/loadConfig";
import { baseConfig as base, configProblems } from "./harness/configCases";
import { ROOT, runProgram } from "./harness/program";

const cases: [string, Record<string, string | undefined>, string][] = [
  // Readiness timeout.
  [
    "a readiness timeout shorter than autohealing's first-boot allowance",
    { readinessTimeoutMinutes: "5" },
    'hashistack:readinessTimeoutMinutes: received "5"; allowed: an integer from 15 to 120: at least the 15 minutes autohealing gives a new VM before judging it, so the gate never gives up on VMs GCE still counts as booting (a failed boot ends the wait at once)',
  ],
];

describe("bad input that used to get through", () => {
  test.each(cases)("refuses %s with one exact message", (_name, values, message) => {
    expect(configProblems(base(values))).toEqual([message]);
  });

  test.each(["eu-west1", "europe-west", "europe-west1-b", "mars-north1"])(
    "refuses the region %s",
    (region) => {
      expect(configProblems(base({}, { gcpRegion: region }))).toEqual([
        `gcp:region: received "${region}"; allowed: a GCP region such as europe-west1 (required)`,
      ]);
    },
  );

  test("accepts what is allowed at each limit", () => {
    const ok = (values: Record<string, string>, region = "europe-west1") =>
      expect(() => validateConfig(base(values, { gcpRegion: region }), "dc1")).not.toThrow();
    ok({ operatorCidrs: '["0.0.0.0/0"]', allowWideOperatorCidrs: "true" });
    // One /16 plus private ranges: the private ones do not count.
    ok({ operatorCidrs: '["198.51.0.0/16","10.0.0.0/8","192.168.0.0/24"]' });
    // A block around a documentation range is not an example left in; only its public part counts.
    ok({ operatorCidrs: '["203.0.0.0/16"]' });
    ok({ meshGatewayCidrs: '["10.0.0.0/8"]', peers: "[]" });
    ok({ apiGatewayCidrs: '["10.0.0.0/8"]', frontendReplicas: "0" });
    ok({ nomadBridgeCidr: "192.168.100.0/24" });
    ok({ consulVersion: "2.0.0", nomadVersion: "1.11.3" });
    ok({ readinessTimeoutMinutes: "15" });
    ok({ clientMachineType: "n2-custom-6-12288", serverMachineType: "e2-standard-2" });
    // Shared-core clients pass when the allocations fit (the capacity check decides).
    ok({
      clientMachineType: "e2-medium",
      clientCount: "4",
      publicApiReplicas: "1",
      privateApiReplicas: "1",
    });
    ok({ clientMachineType: "c3-standard-4", serverMachineType: "c3d-highcpu-4" });
    ok({ clientMachineType: "c3d-standard-360", serverMachineType: "c3-highmem-176" });
    ok({ clientMachineType: "custom-2-7680", serverMachineType: "n1-highcpu-8" });
    ok({
      clientCount: "3",
      publicApiReplicas: "20",
      privateApiReplicas: "20",
      frontendReplicas: "20",
    });
    ok({ subnetCidr: "10.2.0.0/28", clientCount: "5" });
    ok({}, "northamerica-northeast2");
  });

  test("a key that failed its own check raises no second problem across keys", () => {
    expect(
      configProblems(base({ clientCount: "0", publicApiReplicas: "20", frontendReplicas: "20" })),
    ).toEqual(['hashistack:clientCount: received "0"; allowed: an integer from 1 to 100']);
    expect(configProblems(base({ operatorCidrs: '["10.0.0.0/8","1.2.3.0/33"]' }))).toEqual([
      'hashistack:operatorCidrs[1]: received "1.2.3.0/33"; allowed: an IPv4 CIDR block: the prefix length is greater than 32',
    ]);
  });

  test("Pulumi.yaml declares the opt-in with a default (a key without one is required)", () => {
    const doc = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
      config: Record<string, { type: string; default?: unknown; description: string }>;
    };
    expect(doc.config.allowWideOperatorCidrs).toMatchObject({ type: "boolean", default: false });
    expect(doc.config.allowWideOperatorCidrs?.description).toContain("65536 public addresses");
  });
});

describe("refused before any resource exists", () => {
  test.each<[string, Record<string, unknown>, string]>([
    [
      "a world-open control plane",
      { "hashistack:operatorCidrs": ["0.0.0.0/0"] },
      "hashistack:operatorCidrs",
    ],
    [
      "a bridge over the metadata server",
      { "hashistack:nomadBridgeCidr": "169.254.0.0/16" },
      "hashistack:nomadBridgeCidr",
    ],
    [
      "a version with a leading zero",
      { "hashistack:nomadVersion": "1.010.3" },
      "hashistack:nomadVersion",
    ],
    [
      "a short readiness timeout",
      { "hashistack:readinessTimeoutMinutes": 3 },
      "hashistack:readinessTimeoutMinutes",
    ],
    [
      "an unknown machine type",
      { "hashistack:clientMachineType": "e2-standard" },
      "hashistack:clientMachineType",
    ],
    [
      "replicas beyond the clients",
      {
        "hashistack:publicApiReplicas": 20,
        "hashistack:privateApiReplicas": 20,
        "hashistack:frontendReplicas": 20,
      },
      "hashistack:clientCount",
    ],
  ])("%s: the stack registers nothing", async (_name, config, key) => {
    const run = await runProgram({ stack: "dc1", config });
    expect(run.error?.message).toMatch(
      /^Invalid configuration for stack "dc1" \(1 problem\); nothing was created:/,
    );
    expect(run.error?.message).toContain(`  - ${key}: received `);
    expect(run.graph.all().map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });

  test("the opt-in lets a world-open control plane through, and the firewall says so", async () => {
    const run = await runProgram({
      stack: "dc1",
      config: {
        "hashistack:operatorCidrs": ["0.0.0.0/0"],
        "hashistack:allowWideOperatorCidrs": true,
      },
    });
    expect(run.error).toBeUndefined();
    const rule = run.graph
      .all("gcp:compute/firewall:Firewall")
      .find((r) => r.inputs.name === "dc1-operators");
    expect(rule?.inputs.sourceRanges).toEqual(["0.0.0.0/0"]);
  });
});
