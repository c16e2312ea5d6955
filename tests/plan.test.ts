import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./harness/program";

/** Runs the real `npm run plan` entry (ts-node) in a child process, as a user would. */
function plan(stack: string, env: Record<string, string> = {}) {
  return spawnSync(
    process.execPath,
    [
      path.join(ROOT, "node_modules/ts-node/dist/bin.js"),
      "--transpile-only",
      "scripts/plan.ts",
      stack,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      encoding: "utf8",
      timeout: 120_000,
    },
  );
}

describe("npm run plan", () => {
  test.each(["dc1", "dc2"])(
    "plan of %s exits 0 and prints tree, outputs, critical path and both deploy estimates",
    (stack) => {
      const r = plan(stack);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`pulumi:pulumi:Stack  hashistack-${stack}`);
      expect(r.stdout).toContain("Stack outputs:");
      expect(r.stdout).toContain(`datacenter: "${stack}"`);
      // The stack files ship a documentation range the program refuses; the plan says it stood in.
      expect(r.stdout).toContain(
        'note: hashistack:operatorCidrs is still the shipped placeholder ["203.0.113.0/24"]',
      );
      expect(r.stdout).toMatch(/Resources: \d+/);
      expect(r.stdout).toMatch(/Critical path \(\d+ resources/);
      const doc = fs.readFileSync(path.join(ROOT, "docs", `topology-${stack}.md`), "utf8");
      expect(doc).toContain("```mermaid\nflowchart LR");
      // Both estimates: this stack's pulumi up, and npm run deploy of every stack.
      const secs = (m: string, s: string) => Number(m) * 60 + Number(s);
      const one = new RegExp(
        `pulumi up -s ${stack}: (\\d+) min (\\d\\d) s; ready for in-cluster objects after (\\d+) min (\\d\\d) s`,
      ).exec(r.stdout);
      expect(one).not.toBeNull();
      const [, um, us, rm, rs] = one as RegExpExecArray;
      expect(secs(rm as string, rs as string)).toBeLessThan(secs(um as string, us as string));
      expect(r.stdout).toMatch(
        new RegExp(
          `\\d+ → +\\d+  ${stack}-readiness  \\(pulumi-nodejs:dynamic/hashistack:ReadinessGate\\)`,
        ),
      );
      expect(r.stdout).toContain("server: Consul and Nomad leaders");
      const all =
        /npm run deploy of all stacks \(dc1, dc2\): sequential (\d+) min (\d\d) s, parallel (\d+) min (\d\d) s \((\d\.\d\d) × the slowest single stack, (\d+) min (\d\d) s\)/.exec(
          r.stdout,
        );
      expect(all).not.toBeNull();
      const [, sm, ss, pm, ps, ratio, lm, ls] = all as RegExpExecArray;
      const parallel = secs(pm as string, ps as string);
      const slowest = secs(lm as string, ls as string);
      expect(parallel).toBeLessThan(secs(sm as string, ss as string));
      expect(parallel).toBeGreaterThan(slowest);
      expect(Number(ratio)).toBeCloseTo(parallel / slowest, 1);
      // The deferred run's notice stays out of the plan of another stack.
      expect(r.stdout).not.toContain("info: [runtime]");
    },
  );

  test("an unknown stack prints usage and exits 2", () => {
    const r = plan("nope");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("usage: npm run plan -- <stack>   (stacks: dc1, dc2)");
  });

  test("a bad config exits non-zero with the config errors", () => {
    // Copy the project to a temp dir with a broken stack file, so the real file stays intact.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
    for (const f of ["index.ts", "Pulumi.yaml", "package.json", "tsconfig.json"])
      fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    for (const d of ["components", "scripts", "tests", "jobspecs"].filter((x) =>
      fs.existsSync(path.join(ROOT, x)),
    ))
      execFileSync("cp", ["-r", path.join(ROOT, d), dir]);
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    const broken = fs
      .readFileSync(path.join(ROOT, "Pulumi.dc1.yaml"), "utf8")
      .replace("serverCount: 3", "serverCount: 4");
    fs.writeFileSync(path.join(dir, "Pulumi.dc1.yaml"), broken);
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, "node_modules/ts-node/dist/bin.js"),
        "--transpile-only",
        "scripts/plan.ts",
        "dc1",
      ],
      {
        cwd: dir,
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'plan for dc1 failed:\nInvalid configuration for stack "dc1" (1 problem); nothing was created:',
    );
    expect(r.stderr).toContain('hashistack:serverCount: received "4"; allowed: 3 or 5');
    expect(fs.existsSync(path.join(dir, "docs", "topology-dc1.md"))).toBe(false);
  });
});
