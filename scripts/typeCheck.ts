/**
 * `npm run deploy` type-checks the program once, up front, with the compiler options the CLI
 * would use, then runs every update transpile-only (scripts/automation.ts WORKSPACE_ENV): the
 * same safety as the runtime's per-update check, paid once instead of once per update.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

/**
 * The tsconfig the CLI compiles the program with: `runtime.options.tsconfig` of Pulumi.yaml
 * (the nodejs language host passes it on as PULUMI_NODEJS_TSCONFIG_PATH), else tsconfig.json
 * (@pulumi/pulumi cmd/run/run.js).
 */
export function programTsconfig(root: string): string {
  const project = yaml.load(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
    runtime?: { options?: { tsconfig?: unknown } } | string;
  };
  const runtime = typeof project.runtime === "object" ? project.runtime : undefined;
  const configured = runtime?.options?.tsconfig;
  return path.join(root, typeof configured === "string" ? configured : "tsconfig.json");
}

/**
 * Runs the TypeScript compiler (`tsc --noEmit`) on the program; returns undefined when it
 * type-checks, else the compiler's first error lines.
 */
export function typeCheckProgram(root: string): string | undefined {
  const tsconfig = programTsconfig(root);
  const tsc = require.resolve("typescript/bin/tsc", { paths: [root, __dirname] });
  const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", tsconfig], {
    cwd: root,
    encoding: "utf8",
  });
  if (r.status === 0) return undefined;
  const lines = `${r.stdout}${r.stderr}`
    .split("\n")
    .filter((l) => /error TS\d+/.test(l))
    .slice(0, 5);
  return (
    `the program does not type-check (tsc --noEmit -p ${path.relative(root, tsconfig)}); nothing was deployed:\n` +
    (lines.length > 0 ? lines : [(r.error?.message ?? r.stderr).trim()]).join("\n")
  );
}
