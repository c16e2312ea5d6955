import { execFileSync, spawnSync } from "child_process";
import * as path from "path";
import { renderExports } from "../scripts/envExports";
import { deployAll, deferrals, describePlan } from "../scripts/orchestrate";
import { NO_CLI } from "../scripts/pulumiCli";
import { deployOrder, destroyOrder, readStackPeers, readStacks } from "../scripts/stackOrder";
import { FakeStacks } from "./harness/fakeStacks";
import { ROOT } from "./harness/stackConfig";

describe("stack order", () => {
  test("the shipped stacks: dc1 (acceptor) before dc2 (dialer); destroy reversed", () => {
    const stacks = readStackPeers(ROOT);
    expect(stacks).toEqual([
      { stack: "dc1", dials: [] },
      { stack: "dc2", dials: ["dc1"] },
    ]);
    expect(deployOrder(stacks)).toEqual(["dc1", "dc2"]);
    expect(destroyOrder(stacks)).toEqual(["dc2", "dc1"]);
  });

  test("three stacks: dc3 dials dc1 and accepts dc2", () => {
    const stacks = [
      { stack: "dc2", dials: ["dc3"] },
      { stack: "dc3", dials: ["dc1"] },
      { stack: "dc1", dials: [] },
    ];
    expect(deployOrder(stacks)).toEqual(["dc1", "dc3", "dc2"]);
    expect(destroyOrder(stacks)).toEqual(["dc2", "dc3", "dc1"]);
  });

  test("stacks of another project impose no order; independent stacks sort by name", () => {
    expect(
      deployOrder([
        { stack: "b", dials: ["elsewhere"] },
        { stack: "a", dials: [] },
      ]),
    ).toEqual(["a", "b"]);
  });

  test("a cycle is an error naming the stacks", () => {
    expect(() =>
      deployOrder([
        { stack: "dc1", dials: ["dc2"] },
        { stack: "dc2", dials: ["dc1"] },
      ]),
    ).toThrow(
      "peering cycle between stacks dc1, dc2: each dialer needs its acceptor deployed first; make one stack the acceptor of the other instead of both dialing",
    );
  });
});

/** The shipped pair: dc1 accepts dc2; dc2 dials dc1. dc1 (the acceptor) takes longer. */
function shippedPair(): FakeStacks {
  return new FakeStacks({
    dc1: { datacenter: "dc1", accepts: ["dc2"], dials: [], ms: 40 },
    dc2: { datacenter: "dc2", accepts: [], dials: [{ ref: "dc1", datacenter: "dc1" }], ms: 20 },
  });
}

describe("npm run deploy orchestration (fake Automation API)", () => {
  const stacks = readStacks(ROOT);
  const quiet = () => undefined;

  test("the shipped stacks as the orchestrator reads them", () => {
    expect(stacks).toEqual([
      { stack: "dc1", datacenter: "dc1", dials: [], gcpProject: "my-gcp-project-dc1" },
      {
        stack: "dc2",
        datacenter: "dc2",
        // "dialer:dc1:dc1": the organization of the run, as the program resolves it.
        dials: [{ stack: "dc1", datacenter: "dc1" }],
        gcpProject: "my-gcp-project-dc2",
      },
    ]);
    expect(describePlan(stacks)).toEqual([
      "platform phase (all at once): dc1, dc2",
      "peering phase: dc2 after dc1 (its peering deferred until then)",
    ]);
  });

  test("stacks sharing a GCP project: the plan says their IAM writes contend and how the run copes", () => {
    const shared = stacks.map((s) => ({ ...s, gcpProject: "one-project" }));
    expect(describePlan(shared)).toEqual([
      "platform phase (all at once): dc1, dc2",
      "peering phase: dc2 after dc1 (its peering deferred until then)",
      'note: dc1, dc2 share GCP project one-project: their platforms write its IAM policy at the same time; the Google provider retries a conflicting write (backoff 1 to 16 s) before it fails with "Too many conflicts", and npm run deploy again resumes',
    ]);
  });

  test("first deploy: missing stacks created, both platforms at once (dc2's peering deferred), then dc2's peering after dc1", async () => {
    const fake = shippedPair();
    const log: string[] = [];
    const result = await deployAll(stacks, fake, (l) => log.push(l));
    expect(result.failures).toEqual([]);
    expect(log.slice(0, 2)).toEqual([
      "created stack organization/hashistack/dc1",
      "created stack organization/hashistack/dc2",
    ]);
    expect(fake.ups).toEqual([
      { label: "dc1 platform", deferredPeers: [] },
      { label: "dc2 platform", deferredPeers: ["dc1"] },
      { label: "dc2 peering", deferredPeers: [] },
    ]);
    // Concurrent: both platform updates started before either finished.
    expect(fake.at("start dc2 platform")).toBeLessThan(fake.at("end dc1 platform"));
    expect(fake.at("start dc1 platform")).toBeLessThan(fake.at("end dc2 platform"));
    // The peering completes after the acceptor finished, never before.
    expect(fake.at("start dc2 peering")).toBeGreaterThan(fake.at("end dc1 platform"));
    expect(fake.out("dc2")?.peerings).toEqual({ "dc1-default": "token-dc1-for-dc2-gen1" });
    expect(result.done).toEqual(["dc2 platform", "dc1 platform", "dc2 peering"]);
  });

  test("a failure stops the run naming the stack and phase; the running update finishes, nothing new starts", async () => {
    const fake = shippedPair();
    fake.failNext.add("dc1 platform");
    const result = await deployAll(stacks, fake, () => undefined);
    expect(result.failures).toEqual([
      {
        stack: "dc1",
        phase: "platform",
        message: "dc1-readiness: datacenter not ready after 1200 s",
      },
    ]);
    expect(result.done).toEqual(["dc2 platform"]);
    expect(fake.events).not.toContain("start dc2 peering");
  });

  test("a re-run after a failed platform resumes: the deferral is recomputed and the peering completes", async () => {
    const fake = shippedPair();
    fake.failNext.add("dc1 platform");
    await deployAll(stacks, fake, quiet);
    fake.ups.length = 0;
    const result = await deployAll(stacks, fake, quiet);
    expect(result.failures).toEqual([]);
    expect(fake.ups).toEqual([
      { label: "dc1 platform", deferredPeers: [] },
      { label: "dc2 platform", deferredPeers: ["dc1"] },
      { label: "dc2 peering", deferredPeers: [] },
    ]);
    expect(fake.out("dc2")?.peerings).toEqual({ "dc1-default": "token-dc1-for-dc2-gen1" });
  });

  test("a re-run after a failed peering deploys the dialer in one step (its acceptor's token exists)", async () => {
    const fake = shippedPair();
    fake.failNext.add("dc2 peering");
    const first = await deployAll(stacks, fake, quiet);
    expect(first.failures).toEqual([
      {
        stack: "dc2",
        phase: "peering",
        message: "dc2-readiness: datacenter not ready after 1200 s",
      },
    ]);
    fake.ups.length = 0;
    const log: string[] = [];
    const result = await deployAll(stacks, fake, (l) => log.push(l));
    expect(result.failures).toEqual([]);
    expect(fake.ups).toEqual([
      { label: "dc1 platform", deferredPeers: [] },
      { label: "dc2 platform", deferredPeers: [] },
    ]);
    expect(result.skipped).toEqual(["dc2 peering"]);
    expect(log).not.toContain("created stack organization/hashistack/dc1");
    expect(fake.out("dc2")?.peerings).toEqual({ "dc1-default": "token-dc1-for-dc2-gen1" });
  });

  test("re-peering: a token the acceptor replaced during the platform phase is picked up by the peering phase", async () => {
    const fake = shippedPair();
    await deployAll(stacks, fake, quiet);
    fake.generation.dc1 = 2;
    fake.ups.length = 0;
    const result = await deployAll(stacks, fake, quiet);
    expect(result.failures).toEqual([]);
    expect(fake.ups.map((u) => u.label)).toEqual(["dc1 platform", "dc2 platform", "dc2 peering"]);
    expect(fake.out("dc2")?.peerings).toEqual({ "dc1-default": "token-dc1-for-dc2-gen2" });
  });

  test("three stacks: dc2's peering waits for dc3's platform only; dc3 defers dc1 but accepts dc2 at once", async () => {
    const three = [
      { stack: "dc1", datacenter: "dc1", dials: [] },
      { stack: "dc2", datacenter: "dc2", dials: [{ stack: "dc3", datacenter: "dc3" }] },
      { stack: "dc3", datacenter: "dc3", dials: [{ stack: "dc1", datacenter: "dc1" }] },
    ];
    const fake = new FakeStacks({
      dc1: { datacenter: "dc1", accepts: ["dc3"], dials: [], ms: 60 },
      dc2: { datacenter: "dc2", accepts: [], dials: [{ ref: "dc3", datacenter: "dc3" }], ms: 10 },
      dc3: {
        datacenter: "dc3",
        accepts: ["dc2"],
        dials: [{ ref: "dc1", datacenter: "dc1" }],
        ms: 20,
      },
    });
    expect(deferrals(three, {})).toEqual({ dc1: [], dc2: ["dc3"], dc3: ["dc1"] });
    const result = await deployAll(three, fake, quiet);
    expect(result.failures).toEqual([]);
    expect(fake.at("start dc2 peering")).toBeGreaterThan(fake.at("end dc3 platform"));
    expect(fake.at("start dc2 peering")).toBeLessThan(fake.at("end dc1 platform"));
    expect(fake.at("start dc3 peering")).toBeGreaterThan(fake.at("end dc1 platform"));
    expect(fake.out("dc2")?.peerings).toEqual({ "dc3-default": "token-dc3-for-dc2-gen1" });
    expect(fake.out("dc3")?.peerings).toEqual({ "dc1-default": "token-dc1-for-dc3-gen1" });
  });

  test("a stack that cannot be created or selected stops the run in phase prepare", async () => {
    const fake = shippedPair();
    const result = await deployAll(
      [...stacks, { stack: "dc9", datacenter: "dc9", dials: [] }],
      fake,
      quiet,
    );
    expect(result.failures).toEqual([
      { stack: "dc9", phase: "prepare", message: "unknown stack dc9" },
    ]);
    expect(fake.ups).toEqual([]);
  });
});

describe("operator exports", () => {
  const outputs = {
    consulUrl: "https://203.0.113.10:8501",
    nomadUrl: "https://203.0.113.10:4646",
    consulToken: "11111111-2222-4333-8444-555555555555",
    nomadToken: "66666666-7777-4888-8999-000000000000",
    caCertPem: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
  };

  test("exports for Consul and Nomad with the CA file, TLS verification on", () => {
    const text = renderExports("dc1", outputs, "/tmp/dc1-ca.pem");
    expect(text).toBe(
      [
        "export CONSUL_HTTP_ADDR='https://203.0.113.10:8501'",
        "export CONSUL_CACERT='/tmp/dc1-ca.pem'",
        "export CONSUL_HTTP_TOKEN='11111111-2222-4333-8444-555555555555'",
        "export NOMAD_ADDR='https://203.0.113.10:4646'",
        "export NOMAD_CACERT='/tmp/dc1-ca.pem'",
        "export NOMAD_TOKEN='66666666-7777-4888-8999-000000000000'",
        "",
      ].join("\n"),
    );
    expect(text).not.toMatch(/SSL_VERIFY|SKIP_VERIFY/);
    const env = execFileSync(
      "bash",
      ["-c", `${text}\nprintf '%s|%s' "$CONSUL_HTTP_ADDR" "$NOMAD_CACERT"`],
      { encoding: "utf8" },
    );
    expect(env).toBe("https://203.0.113.10:8501|/tmp/dc1-ca.pem");
  });

  test("a stack without outputs says it is not deployed", () => {
    expect(() => renderExports("dc2", { consulUrl: "x" }, "/tmp/ca.pem")).toThrow(
      "stack dc2 lacks outputs nomadUrl, consulToken, nomadToken, caCertPem: has it been deployed (pulumi up -s dc2)?",
    );
  });
});

describe("without the Pulumi CLI", () => {
  const run = (script: string, args: string[]) =>
    spawnSync(
      process.execPath,
      [path.join(ROOT, "node_modules/ts-node/dist/bin.js"), "--transpile-only", script, ...args],
      {
        cwd: ROOT,
        // A PATH where no `pulumi` can be found.
        env: { ...process.env, PATH: path.dirname(process.execPath) },
        encoding: "utf8",
        timeout: 120_000,
      },
    );

  test("deploy prints the order, then one line on installing the CLI, and exits 2", () => {
    const r = run("scripts/deploy.ts", ["up"]);
    expect(r.stdout).toContain("deploy order: dc1 → dc2");
    expect(r.stdout).toContain(
      "  platform phase (all at once): dc1, dc2\n  peering phase: dc2 after dc1 (its peering deferred until then)\n",
    );
    expect(r.stderr.trim()).toBe(NO_CLI);
    expect(r.status).toBe(2);
  });

  test("destroy goes dialers first", () => {
    expect(run("scripts/deploy.ts", ["destroy"]).stdout).toContain("destroy order: dc2 → dc1");
  });

  test("env explains the same", () => {
    const r = run("scripts/env.ts", ["dc1"]);
    expect(r.stderr.trim()).toBe(NO_CLI);
    expect(r.status).toBe(2);
  });
});
