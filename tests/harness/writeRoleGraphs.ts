/**
 * Writes the role graph of each case to tests/fixtures/roleGraph/<case>.json.
 * `npx ts-node tests/harness/writeRoleGraphs.ts`. Run it only where the behaviour is meant
 * to change, and say why in the commit: tests/roleGraph.test.ts compares against these.
 */
import * as fs from "fs";
import * as path from "path";
import { runProgram } from "./program";
import { roleGraph } from "./roleGraph";
import { ROLE_GRAPH_CASES } from "./roleGraphCases";

async function main(): Promise<void> {
  const dir = path.join(__dirname, "..", "fixtures", "roleGraph");
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, opts] of Object.entries(ROLE_GRAPH_CASES)) {
    const run = await runProgram(opts);
    if (run.error) throw run.error;
    const g = roleGraph(run.graph, run.outputs);
    fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(g, null, 1)}\n`);
    console.log(`${name}: ${Object.keys(g.resources).length} resources`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
