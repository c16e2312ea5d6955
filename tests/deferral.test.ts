import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { activePeers, deferralNotice, parseDeferredPeers } from "../components/config/deferral";
import { PeerConfig } from "../components/config/types";
import {
  deferredConfig,
  summarizeCliError,
  workspaceOptions,
  WORKSPACE_ENV,
} from "../scripts/automation";
import { programTsconfig, typeCheckProgram } from "../scripts/typeCheck";
import { ProgramRun, ROOT, runProgram } from "./harness/program";

const dialer: PeerConfig = {
  role: "dialer",
  datacenter: "dc1",
  peerName: "dc1-default",
  stack: "organization/hashistack/dc1",
};
const acceptor: PeerConfig = { role: "acceptor", datacenter: "dc3", peerName: "dc3-default" };

describe("hashistack:deferredPeers (pure)", () => {
  test("default and valid values; acceptor peers are never deferred", () => {
    expect(parseDeferredPeers(undefined, [dialer])).toEqual({ deferred: [], problems: [] });
    expect(parseDeferredPeers('["dc1"]', [dialer, acceptor])).toEqual({
      deferred: ["dc1"],
      problems: [],
    });
    expect(activePeers([dialer, acceptor], ["dc1"])).toEqual([acceptor]);
    expect(activePeers([dialer, acceptor], [])).toEqual([dialer, acceptor]);
  });

  test.each([
    ['["dc3"]', "an acceptor peer"],
    ['["dc9"]', "a datacenter not dialed"],
    ['["dc1","dc1"]', "a duplicate"],
    ["dc1", "not JSON"],
    ["[1]", "not strings"],
  ])("%s (%s) is refused naming the key, the value and what is allowed", (raw) => {
    expect(parseDeferredPeers(raw, [dialer, acceptor]).problems).toEqual([
      {
        key: "hashistack:deferredPeers",
        received: JSON.stringify(raw),
        allowed:
          "a JSON list of remote datacenters this stack dials (dc1), each once; set only by npm run deploy for its platform phase",
      },
    ]);
  });

  test("the notice names each deferred peer and its acceptor stack", () => {
    expect(deferralNotice([dialer, acceptor], [])).toBeUndefined();
    expect(deferralNotice([dialer, acceptor], ["dc1"])).toBe(
      "peering deferred for dc1-default (token from organization/hashistack/dc1): this run creates nothing peer-related for them (no stack reference, peering, ACTIVE wait, exports, failover or peer intentions); npm run deploy adds them once the acceptor has finished (or run pulumi up without hashistack:deferredPeers)",
    );
  });
});

describe("the deferred run's config file (scripts/automation.ts)", () => {
  test("a copy of the stack file with the key added; secure values, salt and every key kept", () => {
    const original = [
      "encryptionsalt: v1:abc",
      "config:",
      "  gcp:project: p-123456",
      "  hashistack:peers:",
      "    - dialer:dc1:organization/hashistack/dc1",
      "  hashistack:consulLicense:",
      "    secure: v1:cipher",
      "",
    ].join("\n");
    const doc = yaml.load(deferredConfig(original, ["dc1"])) as Record<string, unknown>;
    expect(doc).toEqual({
      encryptionsalt: "v1:abc",
      config: {
        "gcp:project": "p-123456",
        "hashistack:peers": ["dialer:dc1:organization/hashistack/dc1"],
        "hashistack:consulLicense": { secure: "v1:cipher" },
        "hashistack:deferredPeers": ["dc1"],
      },
    });
  });

  test("the copy is the stack file byte for byte plus one line: scalars such as an unquoted 1.20, comments and quoting kept", () => {
    const original = [
      "# dc2: the dialer.",
      "encryptionsalt: v1:abc",
      "config:",
      "    # an unusual indentation, kept",
      "    gcp:project: p-123456",
      "    hashistack:consulVersion: 1.20",
      "    hashistack:note: 'yes'",
      "    hashistack:consulLicense:",
      "        secure: v1:cipher",
      "",
    ].join("\n");
    const copy = deferredConfig(original, ["dc1"]);
    const lines = copy.split("\n");
    expect(lines[3]).toBe('    hashistack:deferredPeers: ["dc1"]');
    expect([...lines.slice(0, 3), ...lines.slice(4)].join("\n")).toBe(original);
    // A YAML round trip would have turned the version into 1.2.
    expect(copy).toContain("hashistack:consulVersion: 1.20\n");
    expect(yaml.dump(yaml.load(original))).toContain("hashistack:consulVersion: 1.2\n");
  });

  test("a stack file without config gets one; one that sets the key itself or uses a flow mapping is refused", () => {
    expect(deferredConfig("encryptionsalt: v1:abc\n", ["dc1"])).toBe(
      'encryptionsalt: v1:abc\nconfig:\n  hashistack:deferredPeers: ["dc1"]\n',
    );
    expect(deferredConfig("config:\nsecretsprovider: x\n", ["dc1"])).toBe(
      'config:\n  hashistack:deferredPeers: ["dc1"]\nsecretsprovider: x\n',
    );
    expect(() => deferredConfig("config:\n  hashistack:deferredPeers: []\n", ["dc1"])).toThrow(
      "the stack file sets hashistack:deferredPeers: only npm run deploy sets it, for one run; remove it from the stack file",
    );
    expect(() => deferredConfig("config: {gcp:project: p}\n", ["dc1"])).toThrow(
      'could not add hashistack:deferredPeers to the stack file: its config must be a block mapping ("config:" on a line of its own)',
    );
  });

  test("every update runs transpile-only (the runtime's switch); the deploy type-checks once with the CLI's tsconfig", () => {
    expect(WORKSPACE_ENV).toEqual({ PULUMI_NODEJS_TRANSPILE_ONLY: "true" });
    expect(workspaceOptions("/x")).toEqual({
      workDir: "/x",
      envVars: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
    });
    // The runtime reads exactly this variable and value (@pulumi/pulumi cmd/run/run.js).
    const runJs = fs.readFileSync(
      path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/run/run.js"),
      "utf8",
    );
    expect(runJs).toContain('process.env["PULUMI_NODEJS_TRANSPILE_ONLY"]');
    expect(runJs).toContain('transpileOnly = transpileOnlyEnv === "true"');

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "typecheck-"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      "name: t\nruntime:\n  name: nodejs\n  options:\n    tsconfig: tsconfig.prog.json\n",
    );
    fs.writeFileSync(
      path.join(dir, "tsconfig.prog.json"),
      JSON.stringify({ compilerOptions: { strict: true, types: [] }, include: ["index.ts"] }),
    );
    expect(programTsconfig(dir)).toBe(path.join(dir, "tsconfig.prog.json"));
    // This project's: what Pulumi.yaml gives the CLI.
    expect(programTsconfig(ROOT)).toBe(path.join(ROOT, "tsconfig.pulumi.json"));
    fs.writeFileSync(path.join(dir, "index.ts"), "export const n: number = 1;\n");
    expect(typeCheckProgram(dir)).toBeUndefined();
    fs.writeFileSync(path.join(dir, "index.ts"), 'export const n: number = "one";\n');
    expect(typeCheckProgram(dir)).toBe(
      "the program does not type-check (tsc --noEmit -p tsconfig.prog.json); nothing was deployed:\n" +
        "index.ts(1,14): error TS2322: Type 'string' is not assignable to type 'number'.",
    );
  });

  test("CLI failures are summarized by their error lines", () => {
    const message =
      'code: 255\n stdout: Updating (dc2)\n  pulumi:pulumi:Stack hashistack-dc2 running\nDiagnostics:\n  pulumi:pulumi:Stack (hashistack-dc2):\n    error: stack organization/hashistack/dc1 has no "peeringTokens" output: deploy it first\n\n stderr: \n err?: \n';
    expect(summarizeCliError(message)).toBe(
      'error: stack organization/hashistack/dc1 has no "peeringTokens" output: deploy it first',
    );
    expect(
      summarizeCliError("code: 1\n stdout: \n stderr: no stack named 'dc2' found\n err?: \n"),
    ).toBe("no stack named 'dc2' found");
  });
});

describe("dc2 with its peering deferred (the program under the mock runtime)", () => {
  let deferred: ProgramRun;
  let full: ProgramRun;
  let logged: string[];
  beforeAll(async () => {
    // The exact file the orchestrator would pass as --config-file.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deferred-"));
    const file = path.join(dir, "Pulumi.dc2.deferred.yaml");
    fs.writeFileSync(
      file,
      deferredConfig(fs.readFileSync(path.join(ROOT, "Pulumi.dc2.yaml"), "utf8"), ["dc1"]),
    );
    logged = [];
    const spy = jest.spyOn(console, "log").mockImplementation((m: unknown) => {
      logged.push(String(m));
    });
    try {
      deferred = await runProgram({ stack: "dc2", configFile: file, preview: true });
    } finally {
      spy.mockRestore();
    }
    full = await runProgram({ stack: "dc2", preview: true });
    if (deferred.error) throw deferred.error;
    if (full.error) throw full.error;
  });

  test("nothing peer-related is registered: no stack reference, peering, wait, exports, resolvers or peer intentions", () => {
    const urns = new Set(deferred.graph.all().map((r) => r.urn));
    const missing = full.graph
      .all()
      .filter((r) => !urns.has(r.urn))
      .map((r) => r.name)
      .sort();
    expect(missing).toEqual([
      "dc2-intentions-private-api",
      "dc2-intentions-public-api",
      "dc2-peering-active-dc1",
      "dc2-peering-exports",
      "dc2-peering-peering-dc1",
      "dc2-peering-resolver-private-api",
      "dc2-peering-resolver-public-api",
      "dc2-ref-dc1",
    ]);
    // Nothing new either, and the platform is the same resource for resource.
    expect(deferred.graph.all().filter((r) => !full.graph.byUrn.has(r.urn))).toEqual([]);
    const jobs = (run: ProgramRun) =>
      run.graph.all("pulumi-nodejs:dynamic/hashistack:NomadJob").map((r) => r.inputs.variables);
    expect(jobs(deferred)).toEqual(jobs(full));
  });

  test("the one exception, on purpose: a frontend keeps its upstream to the deferred peer, so its job does not change", async () => {
    const frontend = async (deferredPeers: string[]) => {
      const quiet = jest.spyOn(console, "log").mockImplementation(() => undefined);
      try {
        const run = await runProgram({
          stack: "dc2",
          preview: true,
          config: { "hashistack:frontendReplicas": "1", "hashistack:deferredPeers": deferredPeers },
        });
        if (run.error) throw run.error;
        return run.graph
          .all("pulumi-nodejs:dynamic/hashistack:NomadJob")
          .map((r) => r.inputs.variables as Record<string, unknown>)
          .find((v) => "upstream_uris" in v);
      } finally {
        quiet.mockRestore();
      }
    };
    const deferredFrontend = await frontend(["dc1"]);
    expect(String(deferredFrontend?.upstream_uris)).toContain(
      "http://private-api.virtual.dc1-default.peer.consul",
    );
    expect(deferredFrontend).toEqual(await frontend([]));
  });

  test("the preview says so: a stack diagnostic and the deferredPeers output", () => {
    expect(logged).toContain(
      "info: [runtime] peering deferred for dc1-default (token from organization/hashistack/dc1): this run creates nothing peer-related for them (no stack reference, peering, ACTIVE wait, exports, failover or peer intentions); npm run deploy adds them once the acceptor has finished (or run pulumi up without hashistack:deferredPeers)",
    );
    expect(deferred.plainOutputs.deferredPeers).toEqual(["dc1"]);
    expect(deferred.plainOutputs.peerings).toBeUndefined();
    expect(full.plainOutputs.deferredPeers).toBeUndefined();
  });

  test("the committed stack files never set the key (pulumi up by hand keeps today's order)", () => {
    for (const f of ["Pulumi.dc1.yaml", "Pulumi.dc2.yaml"])
      expect(fs.readFileSync(path.join(ROOT, f), "utf8")).not.toContain("deferredPeers");
    const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
      config: Record<string, { default?: unknown }>;
    };
    // A project key without a default is required by the CLI in every stack.
    expect(project.config.deferredPeers?.default).toEqual([]);
  });
});
