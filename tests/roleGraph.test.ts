/**
 * The deployed behaviour is pinned by role: for each case in tests/harness/roleGraphCases.ts
 * the custom resources, their inputs, dynamic provider code, secret inputs, dependency edges
 * (in all and per property), providers and every option the engine keeps or acts on, the
 * invokes with the resources they wait for, and the stack outputs equal the graph recorded
 * in tests/fixtures/roleGraph/.
 * The fixtures were recorded before the domain-folder restructuring (issue 13); the
 * restructuring renamed resources only through tests/fixtures/roleGraph/renames.json
 * (new role -> role before), so this test is the evidence that it changed names and
 * parents and nothing else, except the differences listed with their reason in
 * tests/fixtures/roleGraph/accepted.json.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { RoleGraph, RoleInvokeCall } from "./harness/roleGraph";
import { ROLE_GRAPH_CASES } from "./harness/roleGraphCases";
import { ROOT } from "./harness/stackConfig";

const DIR = path.join(__dirname, "fixtures", "roleGraph");
const RENAMES = path.join(DIR, "renames.json");
const WRITER = path.join(__dirname, "harness", "writeRoleGraphs.ts");
/**
 * Differences accepted on purpose, by case, each with its reason. Anything else that
 * differs fails the test.
 */
const accepted = JSON.parse(fs.readFileSync(path.join(DIR, "accepted.json"), "utf8")) as {
  reason: string;
  cases: Record<string, string[]>;
}[];
const acceptedFor = (name: string) => accepted.flatMap((a) => a.cases[name] ?? []).sort();

const renames = JSON.parse(fs.readFileSync(RENAMES, "utf8")) as Record<string, string>;

/**
 * The graphs of this program, written by the fixtures' writer in a child process (plain Node
 * with ts-node, as the CLI runs a program and as the fixtures were written; writeRoleGraphs.ts
 * says why not inside jest), resources named through the rename table.
 */
let after: Record<string, RoleGraph>;
beforeAll(async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "role-graphs-"));
  try {
    await promisify(execFile)(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", WRITER, out, RENAMES],
      // Killed, not left running, if it ever hangs (jest's own timeout would leave it behind).
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 240_000, killSignal: "SIGKILL" },
    );
    after = Object.fromEntries(
      Object.keys(ROLE_GRAPH_CASES).map((name) => [
        name,
        JSON.parse(fs.readFileSync(path.join(out, `${name}.json`), "utf8")) as RoleGraph,
      ]),
    );
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 300_000);

/** Differences between two role graphs, one line each (empty when equal). */
function differences(before: RoleGraph, after: RoleGraph): string[] {
  const out: string[] = [];
  const roles = new Set([...Object.keys(before.resources), ...Object.keys(after.resources)]);
  for (const role of [...roles].sort()) {
    const b = before.resources[role];
    const a = after.resources[role];
    if (!b) out.push(`${role}: new (not in the recorded graph)`);
    else if (!a) out.push(`${role}: gone (in the recorded graph)`);
    else
      for (const k of new Set([...Object.keys(b), ...Object.keys(a)]) as Set<keyof typeof b>)
        if (JSON.stringify(a[k]) !== JSON.stringify(b[k]))
          out.push(`${role}.${k}: ${JSON.stringify(b[k])} -> ${JSON.stringify(a[k])}`);
  }
  const calls = new Set([...Object.keys(before.invokes), ...Object.keys(after.invokes)]);
  for (const k of [...calls].sort())
    if (JSON.stringify(before.invokes[k]) !== JSON.stringify(after.invokes[k]))
      out.push(
        `invoke ${k}: ${JSON.stringify(before.invokes[k])} -> ${JSON.stringify(after.invokes[k])}`,
      );
  const keys = new Set([...Object.keys(before.outputs), ...Object.keys(after.outputs)]);
  for (const k of [...keys].sort())
    if (JSON.stringify(before.outputs[k]) !== JSON.stringify(after.outputs[k]))
      out.push(
        `output ${k}: ${JSON.stringify(before.outputs[k])} -> ${JSON.stringify(after.outputs[k])}`,
      );
  return out;
}

describe("the graph by role equals the recorded one", () => {
  test("the rename table maps distinct new roles to distinct old roles", () => {
    const olds = Object.values(renames);
    expect(new Set(olds).size).toBe(olds.length);
  });

  test.each(Object.keys(ROLE_GRAPH_CASES))("%s", (name) => {
    const before = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), "utf8")) as RoleGraph;
    expect(differences(before, after[name] as RoleGraph).sort()).toEqual(acceptedFor(name));
  });

  test("every rename names a resource the program has (no dead entries)", () => {
    // `<Type last part>:<name>` of every pinned URN of every case.
    const roles = new Set(
      fs
        .readdirSync(path.join(__dirname, "fixtures", "urns"))
        .flatMap((f) =>
          fs.readFileSync(path.join(__dirname, "fixtures", "urns", f), "utf8").split("\n"),
        )
        .filter(Boolean)
        .map((urn) => {
          const [, , qualified = "", name = ""] = urn.split("::");
          return `${qualified.split("$").pop()?.split(":").pop() ?? ""}:${name}`;
        }),
    );
    expect(Object.keys(renames).filter((role) => !roles.has(role))).toEqual([]);
  });

  test("a changed edge is reported by role", () => {
    const base = JSON.parse(fs.readFileSync(path.join(DIR, "dc1.json"), "utf8")) as RoleGraph;
    const changed = JSON.parse(JSON.stringify(base)) as RoleGraph;
    const gate = "ReadinessGate:dc1-readiness";
    changed.resources[gate]?.dependsOn.pop();
    const lost = base.resources[gate]?.dependsOn.at(-1);
    expect(differences(base, changed)).toEqual([
      `${gate}.dependsOn: ${JSON.stringify(base.resources[gate]?.dependsOn)} -> ${JSON.stringify(changed.resources[gate]?.dependsOn)}`,
    ]);
    expect(lost).toBeDefined();
  });

  test("an invoke that no longer waits for the APIs is reported", () => {
    const base = JSON.parse(fs.readFileSync(path.join(DIR, "dc1.json"), "utf8")) as RoleGraph;
    const zones = Object.keys(base.invokes).filter((k) =>
      k.startsWith("gcp:compute/getZones:getZones "),
    );
    expect(zones).toHaveLength(1);
    const key = zones[0] as string;
    const calls = base.invokes[key] as RoleInvokeCall[];
    // The zone lookup waits for the APIs (the preflight after every enablement): pinned.
    expect(calls).toEqual([{ dependsOn: ["Preflight:dc1-apis-preflight"], provider: "" }]);
    const changed = JSON.parse(JSON.stringify(base)) as RoleGraph;
    changed.invokes[key] = calls.map((c) => ({ ...c, dependsOn: [] }));
    expect(differences(base, changed)).toEqual([
      `invoke ${key}: ${JSON.stringify(calls)} -> ${JSON.stringify(changed.invokes[key])}`,
    ]);
  });
});
