/**
 * Writes the URN list of each role-graph case to tests/fixtures/urns/<case>.txt
 * (`npx ts-node --transpile-only tests/harness/writeUrns.ts`). Run it when a resource is
 * added or removed on purpose, or after a rename that carries `aliases`; tests/urns.test.ts
 * explains which.
 */
import * as fs from "fs";
import * as path from "path";
import { runProgram } from "./program";
import { ROLE_GRAPH_CASES } from "./roleGraphCases";

/** The fixture file of a case. */
export const urnFile = (name: string) =>
  path.join(__dirname, "..", "fixtures", "urns", `${name}.txt`);

async function main(): Promise<void> {
  fs.mkdirSync(path.dirname(urnFile("x")), { recursive: true });
  for (const [name, opts] of Object.entries(ROLE_GRAPH_CASES)) {
    const run = await runProgram(opts);
    if (run.error) throw run.error;
    const urns = run.graph.resources.map((r) => r.urn).sort();
    fs.writeFileSync(urnFile(name), `${urns.join("\n")}\n`);
    console.log(`${name}: ${urns.length} URNs`);
  }
}

if (require.main === module)
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
