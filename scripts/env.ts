/**
 * `npm run --silent env -- <stack>`: prints shell exports for the stack's Consul and Nomad
 * (tokens included: run it as `eval "$(npm run --silent env -- dc1)"`, never log it) and writes
 * the CA certificate to `.hashistack/<stack>-ca.pem`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../tests/harness/stackConfig";
import { renderExports, StackOutputs } from "./envExports";
import { hasPulumiCli, NO_CLI } from "./pulumiCli";

function main(): number {
  const stack = process.argv[2];
  if (!stack) {
    console.error("usage: npm run --silent env -- <stack>");
    return 2;
  }
  if (!hasPulumiCli()) {
    console.error(NO_CLI);
    return 2;
  }
  const r = spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets", "-s", stack], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (r.status !== 0) {
    console.error(`pulumi stack output -s ${stack} failed: ${r.stderr.trim()}`);
    return 1;
  }
  const outputs = JSON.parse(r.stdout) as StackOutputs;
  const caFile = path.join(ROOT, ".hashistack", `${stack}-ca.pem`);
  fs.mkdirSync(path.dirname(caFile), { recursive: true });
  fs.writeFileSync(caFile, outputs.caCertPem ?? "", { mode: 0o644 });
  process.stdout.write(renderExports(stack, outputs, caFile));
  return 0;
}

process.exit(main());
