import { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { openedAdminPorts, policies } from "../policy/rules";
import { runProgram } from "./harness/program";
import { RecordedResource } from "./harness/recorder";

/** Builds what the policy engine passes to validateResource (pattern of pulumi-policy-aws tests). */
function args(
  type: string,
  props: Record<string, unknown>,
  opts: { deleteBeforeReplace?: boolean } = {},
  name = "r",
): ResourceValidationArgs {
  return {
    type,
    props,
    urn: `urn:pulumi:s::p::${type}::${name}`,
    name,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      ...opts,
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: () => ({}) as never,
    notApplicable: () => {
      throw new Error("not applicable");
    },
  };
}

/** Runs a policy's validator(s) against one resource. */
function check(
  p: ResourceValidationPolicy,
  a: ResourceValidationArgs,
  report: (m: string) => void,
): void {
  const v = p.validateResource;
  for (const fn of Array.isArray(v) ? v : v ? [v] : []) void fn(a, report);
}

function violations(rule: string, a: ResourceValidationArgs): string[] {
  const p = policies.find((x) => x.name === rule);
  if (!p) throw new Error(`no rule ${rule}`);
  const out: string[] = [];
  check(p, a, (message: string) => out.push(message));
  return out;
}

const FW = "gcp:compute/firewall:Firewall";
const TPL = "gcp:compute/instanceTemplate:InstanceTemplate";

describe("policy rules", () => {
  test("every rule is mandatory and says how to fix", () => {
    expect(policies.map((p) => p.name).sort()).toEqual([
      "consul-provider-verifies-tls",
      "name-keyed-objects-delete-before-replace",
      "no-public-ip-on-cluster-vms",
      "no-secrets-in-instance-metadata",
      "no-world-open-admin-ports",
      "server-count-odd",
    ]);
    for (const p of policies) expect(p.enforcementLevel).toBe("mandatory");
  });

  test("no-world-open-admin-ports", () => {
    const rule = "no-world-open-admin-ports";
    expect(
      violations(
        rule,
        args(FW, {
          name: "ops",
          sourceRanges: ["203.0.113.0/24"],
          allows: [{ protocol: "tcp", ports: ["8501", "4646"] }],
        }),
      ),
    ).toEqual([]);
    expect(
      violations(
        rule,
        args(FW, {
          name: "gw",
          sourceRanges: ["0.0.0.0/0"],
          allows: [{ protocol: "tcp", ports: ["8443", "8080"] }],
        }),
      ),
    ).toEqual([]);
    expect(
      violations(
        rule,
        args(FW, {
          name: "bad",
          sourceRanges: ["0.0.0.0/0"],
          allows: [{ protocol: "tcp", ports: ["22", "8500-8503"] }],
        }),
      ),
    ).toEqual([
      "firewall bad opens 22, 8500, 8501, 8502, 8503 to the world. Fix: restrict sourceRanges to your operator ranges (hashistack:operatorCidrs), and use IAP for SSH (hashistack:sshViaIap).",
    ]);
    expect(
      violations(
        rule,
        args(FW, { name: "all", sourceRanges: ["0.0.0.0/0"], allows: [{ protocol: "all" }] }),
      ),
    ).toHaveLength(1);
  });

  test("openedAdminPorts understands ranges and protocol-only rules", () => {
    expect(openedAdminPorts([{ protocol: "tcp", ports: ["4600-4700"] }])).toEqual([
      4646, 4647, 4648,
    ]);
    expect(openedAdminPorts([{ protocol: "icmp" }])).toEqual([]);
  });

  test("consul-provider-verifies-tls", () => {
    const rule = "consul-provider-verifies-tls";
    expect(
      violations(
        rule,
        args("pulumi:providers:consul", { address: "x:8501", scheme: "https", caPem: "CA" }),
      ),
    ).toEqual([]);
    expect(violations(rule, args("pulumi:providers:consul", { insecureHttps: "true" }))).toEqual([
      "the Consul provider sets insecureHttps. Fix: remove it and pass the cluster CA as caPem (the server certificate carries the LB's IP).",
    ]);
  });

  test("no-public-ip-on-cluster-vms", () => {
    const rule = "no-public-ip-on-cluster-vms";
    expect(violations(rule, args(TPL, { networkInterfaces: [{ subnetwork: "s" }] }))).toEqual([]);
    expect(
      violations(
        rule,
        args(TPL, { networkInterfaces: [{ subnetwork: "s", accessConfigs: [{}] }] }, {}, "tpl"),
      ),
    ).toEqual([
      "tpl gives its VMs an external IP. Fix: remove networkInterfaces[].accessConfigs; reach the cluster through its load balancers.",
    ]);
  });

  test("server-count-odd", () => {
    const rule = "server-count-odd";
    const mig = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager";
    expect(violations(rule, args(mig, { name: "dc1-servers", targetSize: 3 }))).toEqual([]);
    expect(violations(rule, args(mig, { name: "dc1-clients", targetSize: 4 }))).toEqual([]);
    expect(violations(rule, args(mig, { name: "dc1-servers", targetSize: 4 }))).toEqual([
      "dc1-servers has 4 servers. Fix: set hashistack:serverCount to 3 or 5 (an even count tolerates no more failures and can split votes).",
    ]);
  });

  test("name-keyed-objects-delete-before-replace", () => {
    const rule = "name-keyed-objects-delete-before-replace";
    expect(
      violations(
        rule,
        args("consul:index/configEntry:ConfigEntry", {}, { deleteBeforeReplace: true }),
      ),
    ).toEqual([]);
    expect(violations(rule, args("consul:index/peeringToken:PeeringToken", {}, {}, "tok"))).toEqual(
      [
        "tok (consul:index/peeringToken:PeeringToken) is keyed by name, so a create-first replacement would overwrite it and then delete it. Fix: set deleteBeforeReplace: true.",
      ],
    );
    expect(violations(rule, args("pulumi-nodejs:dynamic/hashistack:NomadJob", {}))).toHaveLength(1);
    expect(violations(rule, args("consul:index/keys:Keys", {}))).toEqual([]);
  });

  test("no-secrets-in-instance-metadata", () => {
    const rule = "no-secrets-in-instance-metadata";
    expect(
      violations(
        rule,
        args(TPL, { metadata: { "startup-script": "readonly SECRET_CA_CERT='dc1-ca-cert'" } }),
      ),
    ).toEqual([]);
    const leaky = [
      '{"acl": {"tokens": {"initial_management": "0b7a2c3e-1111-4222-8333-444455556666"}}}',
      "-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----",
      '{"encrypt": "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="}',
      'export NOMAD_TOKEN="0b7a2c3e-1111-4222-8333-444455556666"',
    ];
    for (const value of leaky)
      expect([
        value.slice(0, 20),
        violations(rule, args(TPL, { metadata: { "startup-script": value } })),
      ]).toEqual([
        value.slice(0, 20),
        [expect.stringContaining("Fix: store it in Secret Manager") as string],
      ]);
  });
});

describe("the shipped stacks pass the whole pack", () => {
  const asArgs = (r: RecordedResource) =>
    args(r.type, r.inputs, { deleteBeforeReplace: r.deleteBeforeReplace }, r.name);

  test.each(["dc1", "dc2"])("%s has no violation", async (stack) => {
    const run = await runProgram({ stack });
    if (run.error) throw run.error;
    const found: string[] = [];
    for (const r of run.graph.all())
      for (const p of policies) check(p, asArgs(r), (m: string) => found.push(`${p.name}: ${m}`));
    expect(found).toEqual([]);
  });

  test("a world-open control plane configured on purpose is still flagged by the pack", async () => {
    const run = await runProgram({
      stack: "dc1",
      // World-open operator ranges need the explicit opt-in (issue 11).
      config: {
        "hashistack:operatorCidrs": ["0.0.0.0/0"],
        "hashistack:allowWideOperatorCidrs": true,
      },
    });
    const fw = run.graph.all(FW).find((r) => r.inputs.name === "dc1-operators") as RecordedResource;
    expect(violations("no-world-open-admin-ports", asArgs(fw))).toHaveLength(1);
  });
});
