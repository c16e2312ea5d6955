import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "./harness/stackConfig";

type Step = {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
};
type Job = {
  needs?: string | string[];
  environment?: string;
  steps: Step[];
  strategy?: { matrix?: { stack?: string[] } };
};
type Workflow = {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
};

const load = (name: string) =>
  yaml.load(fs.readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8")) as Workflow;
const uses = (job: Job, prefix: string) => job.steps.filter((s) => s.uses?.startsWith(prefix));

describe("GitHub workflows", () => {
  test("ci: pull requests and main, Node 22, npm ci then the README's test command", () => {
    const wf = load("ci.yml");
    expect(Object.keys(wf.on).sort()).toEqual(["pull_request", "push"]);
    const job = wf.jobs.test as Job;
    expect(uses(job, "actions/setup-node")[0]?.with?.["node-version"]).toBe(22);
    expect(job.steps.map((s) => s.run).filter(Boolean)).toEqual([
      expect.stringContaining("shellcheck") as string,
      "npm ci",
      "npm test",
    ]);
    expect(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")).toContain("npm test");
  });

  test("preview: both stacks, --diff, PR comment, policy pack, keyless GCP auth", () => {
    const wf = load("preview.yml");
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(wf.permissions).toMatchObject({ "id-token": "write", "pull-requests": "write" });
    const job = wf.jobs.preview as Job;
    expect(job.strategy?.matrix?.stack).toEqual(["dc1", "dc2"]);
    const pulumi = uses(job, "pulumi/actions@")[0] as Step;
    expect(pulumi.with).toMatchObject({
      command: "preview",
      "stack-name": "${{ matrix.stack }}",
      diff: true,
      "comment-on-pr": true,
      policyPacks: "policy",
    });
    const auth = uses(job, "google-github-actions/auth@")[0] as Step;
    expect(Object.keys(auth.with ?? {}).sort()).toEqual([
      "service_account",
      "workload_identity_provider",
    ]);
    // The auth step must precede the Pulumi step.
    expect(job.steps.indexOf(auth)).toBeLessThan(job.steps.indexOf(pulumi));
  });

  test("deploy: manual, dc1 then dc2, each behind the environment approval", () => {
    const wf = load("deploy.yml");
    expect(Object.keys(wf.on)).toEqual(["workflow_dispatch"]);
    expect(Object.keys(wf.jobs)).toEqual(["dc1", "dc2"]);
    expect(wf.jobs.dc1?.needs).toBeUndefined();
    expect(wf.jobs.dc2?.needs).toBe("dc1");
    for (const stack of ["dc1", "dc2"]) {
      const job = wf.jobs[stack] as Job;
      expect(job.environment).toBe("production");
      expect(uses(job, "pulumi/actions@")[0]?.with).toMatchObject({
        command: "up",
        "stack-name": stack,
        policyPacks: "policy",
      });
    }
  });

  test("no workflow uses key files or long-lived cloud credentials", () => {
    for (const f of fs.readdirSync(path.join(ROOT, ".github", "workflows"))) {
      const text = fs.readFileSync(path.join(ROOT, ".github", "workflows", f), "utf8");
      expect([f, /credentials_json|GOOGLE_CREDENTIALS|service_account_key/i.test(text)]).toEqual([
        f,
        false,
      ]);
    }
  });
});
