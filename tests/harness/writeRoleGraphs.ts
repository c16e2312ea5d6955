/**
 * Writes the role graph of each case to tests/fixtures/roleGraph/<case>.json, or to the
 * directory given as the first argument, with resources named through the rename table given
 * as the second (new role -> role before; tests/roleGraph.test.ts runs it so).
 * `npx ts-node --transpile-only tests/harness/writeRoleGraphs.ts [dir [renames.json]]`.
 *
 * The fixtures are the behaviour before issue 13's restructuring: write them only from that
 * program (commit c4a98b4 with this harness copied in), and say so in the commit.
 *
 * Runs in plain Node with ts-node, as the CLI's language host runs a program
 * (@pulumi/pulumi cmd/run registers ts-node), never inside jest: jest puts `describe`,
 * `test`, `expect` and others on `global`, and the closure serializer leaves any name found
 * on `global` uncaptured (@pulumi/pulumi runtime/closure/parseFunction.js, "Anything in the
 * global dictionary is a built-in"), so under jest a dynamic provider that calls a module
 * function named `describe` (components/cluster/readiness.ts) serializes without it, and its
 * `providerCode` differs from the CLI's.
 */
import * as fs from "fs";
import * as path from "path";
import { runProgram } from "./program";
import { defaultRole, RoleGraph, roleGraph } from "./roleGraph";
import { ROLE_GRAPH_CASES } from "./roleGraphCases";

/** Where the recorded graphs live. */
export const ROLE_GRAPH_DIR = path.join(__dirname, "..", "fixtures", "roleGraph");

/** The role graph of every case, resources named through `renames` (new role -> before). */
export async function roleGraphsOfCases(
  renames: Record<string, string> = {},
): Promise<Record<string, RoleGraph>> {
  const out: Record<string, RoleGraph> = {};
  for (const [name, opts] of Object.entries(ROLE_GRAPH_CASES)) {
    const run = await runProgram(opts);
    if (run.error) throw new Error(`case ${name}: ${run.error.message}`);
    out[name] = roleGraph(run.graph, run.outputs, (r) => {
      const role = defaultRole(r);
      return renames[role] ?? role;
    });
  }
  return out;
}

async function main(): Promise<void> {
  const [dir = ROLE_GRAPH_DIR, renamesFile] = process.argv.slice(2);
  const renames = renamesFile
    ? (JSON.parse(fs.readFileSync(renamesFile, "utf8")) as Record<string, string>)
    : {};
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, g] of Object.entries(await roleGraphsOfCases(renames))) {
    fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(g, null, 1)}\n`);
    console.log(`${name}: ${Object.keys(g.resources).length} resources`);
  }
}

if (require.main === module)
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
