/**
 * The deployed behaviour is pinned by role: for each case in tests/harness/roleGraphCases.ts
 * the custom resources, their inputs, secret inputs, dependency edges, providers and
 * options, and the stack outputs equal the graph recorded in tests/fixtures/roleGraph/.
 * The fixtures were recorded before the domain-folder restructuring (issue 13); the
 * restructuring renamed resources only through tests/fixtures/roleGraph/renames.json
 * (new role -> role before), so this test is the evidence that it changed names and
 * parents and nothing else, except the differences listed with their reason in
 * tests/fixtures/roleGraph/accepted.json.
 */
import * as fs from "fs";
import * as path from "path";
import { runProgram } from "./harness/program";
import { defaultRole, RoleGraph, roleGraph } from "./harness/roleGraph";
import { ROLE_GRAPH_CASES } from "./harness/roleGraphCases";

const DIR = path.join(__dirname, "fixtures", "roleGraph");
/**
 * Differences accepted on purpose, by case, each with its reason. Anything else that
 * differs fails the test.
 */
const accepted = JSON.parse(fs.readFileSync(path.join(DIR, "accepted.json"), "utf8")) as {
  reason: string;
  cases: Record<string, string[]>;
}[];
const acceptedFor = (name: string) => accepted.flatMap((a) => a.cases[name] ?? []).sort();

const renames = JSON.parse(fs.readFileSync(path.join(DIR, "renames.json"), "utf8")) as Record<
  string,
  string
>;

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
      for (const k of Object.keys(b) as (keyof typeof b)[])
        if (JSON.stringify(a[k]) !== JSON.stringify(b[k]))
          out.push(`${role}.${k}: ${JSON.stringify(b[k])} -> ${JSON.stringify(a[k])}`);
  }
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

  test.each(Object.keys(ROLE_GRAPH_CASES))("%s", async (name) => {
    const run = await runProgram(ROLE_GRAPH_CASES[name] as (typeof ROLE_GRAPH_CASES)[string]);
    expect(run.error).toBeUndefined();
    const after = roleGraph(run.graph, run.outputs, (r) => {
      const role = defaultRole(r);
      return renames[role] ?? role;
    });
    const before = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), "utf8")) as RoleGraph;
    expect(differences(before, after).sort()).toEqual(acceptedFor(name));
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
});
