import * as fs from "fs";
import * as path from "path";
import { renderStartupScript, scriptBody } from "../components/cluster/startupScript";
import {
  budgetSeconds,
  clusterReady,
  installPlan,
  installSeconds,
  secretReadAt,
  secretReadBudget,
} from "../scripts/bootEstimate";
import {
  BOOT,
  ENGINE,
  NOMAD_JOB_PARTS,
  PACKAGES,
  RESOURCE_TYPES,
  TypeFigure,
} from "../scripts/durations";
import { estimateDeploy, scheduleStack } from "../scripts/estimate";
import { testAgent } from "./harness/agent";
import { Graph } from "./harness/graph";
import { ROOT, runProgram } from "./harness/program";
import { RecordedResource } from "./harness/recorder";

/** A hand-made custom resource of a test graph. */
function rec(name: string, type: string, deps: string[] = [], inputs = {}): RecordedResource {
  return {
    urn: `urn:pulumi:t::p::${type}::${name}`,
    type,
    name,
    parent: "",
    custom: true,
    inputs,
    wireInputs: inputs,
    dependencies: deps.map((d) => `urn:pulumi:t::p::${d}`),
    provider: "",
    deleteBeforeReplace: false,
    replaceOnChanges: [],
    ignoreChanges: [],
    additionalSecretOutputs: [],
    protect: false,
    outputState: {},
  };
}

const TABLE: Record<string, TypeFigure> = {
  "t:five": { seconds: 5, source: "test" },
  "t:ten": { seconds: 10, source: "test" },
  "t:three": { seconds: 3, source: "test" },
  "t:one": { seconds: 1, source: "test" },
  "t:grant": { seconds: 4, source: "test", lock: "project" },
};

describe("the weighted critical path", () => {
  // a(5) → b(10) → d(1); a → c(3) → d: the longest chain is a, b, d = 16 s.
  const graph = new Graph([
    rec("a", "t:five"),
    rec("b", "t:ten", ["t:five::a"]),
    rec("c", "t:three", ["t:five::a"]),
    rec("d", "t:one", ["t:ten::b", "t:three::c"]),
  ]);

  test("a small known graph gives a known figure and path", () => {
    const e = scheduleStack(graph, TABLE);
    expect(e.resources).toBe(16);
    expect(e.criticalPath.map((t) => [t.r.name, t.start, t.finish])).toEqual([
      ["a", 0, 5],
      ["b", 5, 15],
      ["d", 15, 16],
    ]);
  });

  test("resources already in place (an earlier update) take no time", () => {
    const done = new Set(
      graph
        .customs()
        .filter((r) => r.name !== "d")
        .map((r) => r.urn),
    );
    expect(scheduleStack(graph, TABLE, done).resources).toBe(1);
  });

  test("IAM members of one project run one at a time, as the provider's mutex makes them", () => {
    const g = new Graph([
      rec("g1", "t:grant", [], { project: "p" }),
      rec("g2", "t:grant", [], { project: "p" }),
      rec("other", "t:grant", [], { project: "q" }),
      rec("after", "t:one", ["t:grant::g2"]),
    ]);
    const e = scheduleStack(g, TABLE);
    expect(e.resources).toBe(9);
    expect(e.timed.get("urn:pulumi:t::p::t:grant::other")?.finish).toBe(4);
  });

  test("a type without a figure stops the estimate naming it and the file to add it to", () => {
    expect(() => scheduleStack(new Graph([rec("x", "t:new")]), TABLE)).toThrow(
      "no duration figure for resource type t:new (x): add it with its source to scripts/durations.ts",
    );
  });

  test("npm run deploy: sequential sums the stacks; parallel overlaps the platforms and adds the peering phase", () => {
    const acceptor = new Graph([rec("a", "t:ten")]);
    const platform = new Graph([rec("p", "t:five")]);
    const full = new Graph([rec("p", "t:five"), rec("peer", "t:three", ["t:five::p"])]);
    const e = estimateDeploy(
      [
        { stack: "acc", full: acceptor, platform: acceptor, acceptors: [] },
        { stack: "dial", full, platform, acceptors: ["acc"] },
      ],
      TABLE,
    );
    const cli = ENGINE.updateStart.seconds + ENGINE.updateEnd.seconds;
    const check = ENGINE.typeCheck.seconds;
    const prepare = 2 * ENGINE.prepare.seconds;
    // By hand every update type-checks the program.
    expect(e.perStack).toEqual({ acc: check + cli + 10, dial: check + cli + 8 });
    expect(e.sequential).toBe(check + cli + 10 + check + cli + 8);
    // The dialer's peering starts after the acceptor's platform (the longer one) and only
    // creates what the platform phase left out; npm run deploy type-checks once, up front.
    expect(e.parallel).toBe(check + prepare + cli + 10 + cli + 3);
  });
});

const BOOT_IAM = BOOT.iamPropagation?.seconds ?? NaN;

describe("the boot estimate reads the startup script", () => {
  const agent = testAgent({ project: "p-123456" });
  const secrets = {
    caCert: "ca",
    tlsCert: "cert",
    tlsKey: "key",
    consulGossipKey: "gossip",
    consulAgentToken: "agent",
    consulDnsToken: "dns",
    nomadConsulToken: "nomad-consul",
  };
  const client = renderStartupScript({
    role: "client",
    agent,
    consulVersion: "1.22.6",
    nomadVersion: "1.10.3",
    secrets,
  });

  test("today's install function: one index refresh, one transaction, no Recommends", () => {
    expect(installPlan(client)).toEqual({
      aptUpdates: 1,
      aptInstalls: 1,
      recommends: false,
      packages: ["apparmor", "consul", "consul-cni", "docker.io", "jq", "nomad"],
    });
  });

  test("the previous install function (two refreshes, two transactions, Recommends, gnupg) costs more", () => {
    const before = [
      "readonly PACKAGES='consul=1.22.6-1 nomad=1.10.3-1 docker.io'",
      "main_install() {",
      "  if ! command -v jq >/dev/null; then",
      "    retry 5 10 apt-get update -qq",
      "    retry 5 10 apt-get install -y -qq ca-certificates curl gnupg jq",
      "  fi",
      "  # apt-get update in a comment does not count",
      "  retry 5 10 apt-get update -qq",
      '  retry 5 10 apt-get install -y -qq --allow-downgrades "${want[@]}"',
      "}",
    ].join("\n");
    const plan = installPlan(before);
    expect(plan).toEqual({
      aptUpdates: 2,
      aptInstalls: 2,
      recommends: true,
      packages: ["ca-certificates", "consul", "curl", "docker.io", "gnupg", "jq", "nomad"],
    });
    const figure = (k: string) => BOOT[k]?.seconds ?? NaN;
    const pkg = (k: string) => PACKAGES[k]?.seconds ?? NaN;
    expect(installSeconds(plan)).toBe(
      2 * figure("aptUpdate") +
        2 * figure("aptTransaction") +
        figure("recommends") +
        ["ca-certificates", "consul", "curl", "docker.io", "gnupg", "jq", "nomad"]
          .map(pkg)
          .reduce((a, b) => a + b, 0),
    );
    expect(installSeconds(plan)).toBeGreaterThan(installSeconds(installPlan(client)));
  });

  test("secret reads outlast IAM propagation ('potentially 7 minutes or longer'): about 9 minutes, every 6 s", () => {
    // Both roles' scripts carry lib.sh (but its repository notes), where the secret reads live.
    const lib = fs.readFileSync(path.join(ROOT, "components/cluster/startup/lib.sh"), "utf8");
    expect(client).toContain(scriptBody(lib, "lib.sh").trim());
    const budget = secretReadBudget(client);
    expect(budget).toEqual({ attempts: 90, interval: 6 });
    expect(budgetSeconds(budget)).toBeGreaterThanOrEqual(7 * 60 + 60);
    expect(budgetSeconds(budget)).toBeLessThanOrEqual(10 * 60);
  });

  test("the first secret read succeeds on the first attempt after the grant applies, and fails past the budget", () => {
    // Attempts at 100, 106, 112, ...: a grant readable at 110 is read at 112.
    expect(secretReadAt(client, 100, 110, "client")).toBe(112);
    expect(secretReadAt(client, 100, 90, "client")).toBe(100);
    expect(secretReadAt(client, 100, 100 + 534, "client")).toBe(634);
    expect(() => secretReadAt(client, 100, 100 + 535, "client")).toThrow(
      "the client boot would give up reading its secrets after 534 s, before the IAM grant applies (535 s later): raise the retry budget of the secret reads in components/cluster/startup/lib.sh",
    );
    // The budget of the previous script (10 attempts, 6 s apart): under a minute, less than the
    // typical propagation.
    const old = client.replace(
      /^readonly SECRET_READ_ATTEMPTS=90$/m,
      "readonly SECRET_READ_ATTEMPTS=10",
    );
    expect(budgetSeconds(secretReadBudget(old))).toBe(54);
    expect(() => secretReadAt(old, 100, 100 + BOOT_IAM, "client")).toThrow(/after 54 s/);
  });

  test("a package without a figure stops the estimate", () => {
    expect(() =>
      installSeconds({ aptUpdates: 0, aptInstalls: 1, recommends: false, packages: ["vault"] }),
    ).toThrow("no install figure for package vault: add it to scripts/durations.ts");
  });

  test("cluster readiness: a client that starts before the servers listen joins on the next retry", () => {
    const server = `readonly ROLE='server'\nreadonly PACKAGES='consul'\nmain_install() {\n}\n`;
    const base = { secretsGranted: 0, discoveryGranted: 0, script: server };
    const lateServers = clusterReady(
      [
        { ...base, role: "server", created: 200 },
        { ...base, role: "client", created: 190, script: server.replace("server'", "client'") },
      ],
      0,
    );
    const f = (k: string) => BOOT[k]?.seconds ?? NaN;
    const serversUp =
      200 + f("vmStart") + installSeconds(installPlan(server)) + f("dataDisk") + f("agentStart");
    // Created 10 s earlier; prepares its host (clientHost) where servers mount their disk.
    const clientUp = serversUp - 10 - f("dataDisk") + f("clientHost");
    expect(lateServers.steps).toContainEqual({
      role: "client",
      step: "Nomad clients ready (after a join retry)",
      at: clientUp + f("joinRetry") + f("nodeRegister"),
    });
    expect(lateServers.last).toBe("client");
  });
});

describe("the duration table", () => {
  test("every figure has a source and a sane value", () => {
    for (const [k, f] of Object.entries({
      ...RESOURCE_TYPES,
      ...BOOT,
      ...PACKAGES,
      ...ENGINE,
      ...NOMAD_JOB_PARTS,
    })) {
      expect([k, f.source.length > 10]).toEqual([k, true]);
      expect([k, f.seconds >= 0 && f.seconds < 600]).toEqual([k, true]);
    }
  });

  test("it covers every resource type the program registers, in every shape of both stacks", async () => {
    const variants: [string, Record<string, unknown>][] = [
      ["dc1", {}],
      ["dc2", {}],
      ["dc2", { "hashistack:deferredPeers": ["dc1"] }],
      ["dc1", { "hashistack:sshViaIap": "true", "hashistack:frontendReplicas": "0" }],
    ];
    const types = new Set<string>();
    // The deferred variant prints its notice; keep the test log readable.
    const quiet = jest.spyOn(console, "log").mockImplementation(() => undefined);
    for (const [stack, config] of variants) {
      const run = await runProgram({ stack, preview: true, config });
      if (run.error) throw run.error;
      for (const r of run.graph.customs()) types.add(r.type);
      // And the whole stack schedules (no missing figure, no cycle, the boot model applies).
      expect(scheduleStack(run.graph).gateReady).toBeGreaterThan(0);
    }
    quiet.mockRestore();
    expect([...types].filter((t) => !RESOURCE_TYPES[t])).toEqual([]);
  });

  test("the table lives in one file", () => {
    const scripts = fs.readdirSync(path.join(ROOT, "scripts"));
    const withFigures = scripts.filter((f) =>
      /source:\s*"/.test(fs.readFileSync(path.join(ROOT, "scripts", f), "utf8")),
    );
    expect(withFigures).toEqual(["durations.ts"]);
  });
});
