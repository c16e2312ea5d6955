/**
 * A stateful Nomad-like HTTPS server for the job lifecycle: it keeps jobs, versions and
 * deployments the way Nomad's server does, so refresh, drift and failed rollouts replay as
 * they would against a cluster. Behaviours taken from hashicorp/nomad:
 * - register with an unchanged spec keeps the job's JobModifyIndex and answers its
 *   ModifyIndex (nomad/job_endpoint.go, Register, "if !specChanged"); no new deployment
 *   (a failed current deployment blocks placements: scheduler/reconciler/
 *   reconcile_cluster.go, "If the deployment is paused, failed, ... do not create anything");
 * - a changed spec bumps JobModifyIndex and Version (nomad/state/state_store.go,
 *   upsertJobImpl) and starts a deployment carrying it as JobSpecModifyIndex (its
 *   JobModifyIndex field is the job's ModifyIndex: NewDeployment, nomad/structs/deployment.go);
 *   a successful deployment marks its version stable;
 * - auto-revert: a failed deployment of a job whose groups set `auto_revert` registers the
 *   latest stable version's spec again as a new version, with its own deployment, and the
 *   failed deployment's description names the version it rolls back to, or says why not
 *   (nomad/deploymentwatcher/deployment_watcher.go: latestStableJob, handleRollbackValidity;
 *   description texts from nomad/structs/deployment.go);
 * - `DELETE /v1/job/:id` without purge re-inserts the job with `Stop = true` as a new
 *   version (nomad/fsm.go, handleJobDeregister); with `purge=true` it is gone and
 *   `GET /v1/job/:id` answers 404 "job not found" (command/agent/job_endpoint.go);
 * - `GET /v1/job/:id/deployment` answers the latest deployment or null;
 *   `GET /v1/job/:id/deployments` the list of the current job's deployments (those of an
 *   earlier job with the same ID are left out: DeploymentsByJobID, nomad/state/state_store.go).
 * The parser understands `job "<id>"`, `namespace = "<ns>"`, `group "<name>"` and
 * `auto_revert = true`, and answers 400 for a jobspec containing `!syntax-error`.
 */
import { FakeApi, Route, startFakeApi } from "./fakeApi";

/** One job as the fake stores it. */
export interface StoredJob {
  ID: string;
  Namespace: string;
  Stop: boolean;
  Version: number;
  /** Set once a deployment of this version succeeded. */
  Stable: boolean;
  CreateIndex: number;
  JobModifyIndex: number;
  ModifyIndex: number;
  /** Canonical JSON of the registered job, for spec comparisons. */
  spec: string;
  /** Whether any task group sets `update { auto_revert = true }`. */
  autoRevert: boolean;
}

/** A deployment as the fake stores it. */
export interface StoredDeployment {
  ID: string;
  JobVersion: number;
  JobSpecModifyIndex: number;
  JobModifyIndex: number;
  JobCreateIndex: number;
  CreateIndex: number;
  Status: string;
  StatusDescription: string;
}

/** The running fake and the knobs tests turn. */
export interface FakeNomad {
  api: FakeApi;
  jobs: Map<string, StoredJob>;
  /** Every version of each job (`nomad job history`), oldest first. */
  versions: Map<string, StoredJob[]>;
  deployments: Map<string, StoredDeployment[]>;
  /** Status of the next deployment a spec change starts (default "successful"). */
  nextDeployment: { Status: string; StatusDescription: string };
  /** Requests whose "METHOD /path" starts with one of these get 403 "Permission denied". */
  deny: string[];
  /** What `nomad job stop [-purge]` does. */
  stop(id: string, purge: boolean, namespace?: string): void;
}

function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (x && typeof x === "object")
    return Object.fromEntries(
      Object.keys(x)
        .sort()
        .map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]),
    );
  return x;
}

const json = (status: number, body?: unknown) => ({
  status,
  ...(body !== undefined ? { body } : {}),
});

/** Starts the fake Nomad on 127.0.0.1. */
export async function startFakeNomad(): Promise<FakeNomad> {
  let raft = 100;
  const jobs = new Map<string, StoredJob>();
  const versions = new Map<string, StoredJob[]>();
  const deployments = new Map<string, StoredDeployment[]>();
  const key = (id: string, ns: string) => `${ns}/${id}`;
  const nsOf = (path: string) =>
    new URL(path, "https://x").searchParams.get("namespace") ?? "default";

  /** Stores `job` as the current version (and in its history). */
  const upsert = (k: string, job: StoredJob) => {
    jobs.set(k, job);
    versions.set(k, [...(versions.get(k) ?? []).filter((v) => v.Version !== job.Version), job]);
  };

  /** Starts a deployment of the current version of `k`, ending in `status` at once. */
  const deploy = (k: string, status: { Status: string; StatusDescription: string }) => {
    const job = jobs.get(k) as StoredJob;
    const d: StoredDeployment = {
      ID: `d${job.JobModifyIndex}`,
      JobVersion: job.Version,
      JobSpecModifyIndex: job.JobModifyIndex,
      JobModifyIndex: job.ModifyIndex,
      JobCreateIndex: job.CreateIndex,
      CreateIndex: job.JobModifyIndex,
      ...status,
    };
    deployments.set(k, [...(deployments.get(k) ?? []), d]);
    if (d.Status === "successful") upsert(k, { ...job, Stable: true });
    return d;
  };

  /** What the deployment watcher does when a deployment of an auto-revert job fails. */
  const autoRevert = (k: string, failed: StoredDeployment) => {
    const current = jobs.get(k) as StoredJob;
    const stable = [...(versions.get(k) ?? [])]
      .sort((x, y) => y.Version - x.Version)
      .find((v) => v.Stable);
    if (!stable) {
      failed.StatusDescription += " - no stable job version to auto revert to";
      return;
    }
    if (stable.spec === current.spec) {
      failed.StatusDescription +=
        ` - not rolling back to stable job version ${stable.Version} as current job has ` +
        "same specification";
      return;
    }
    failed.StatusDescription += ` - rolling back to job version ${stable.Version}`;
    raft += 1;
    upsert(k, {
      ...stable,
      Stop: false,
      Stable: false,
      Version: current.Version + 1,
      CreateIndex: current.CreateIndex,
      JobModifyIndex: raft,
      ModifyIndex: raft,
    });
    deploy(k, { Status: "successful", StatusDescription: "Deployment completed successfully" });
    raft += 1;
    upsert(k, { ...(jobs.get(k) as StoredJob), ModifyIndex: raft });
  };

  const nomad: FakeNomad = {
    api: undefined as unknown as FakeApi,
    jobs,
    versions,
    deployments,
    deny: [],
    nextDeployment: {
      Status: "successful",
      StatusDescription: "Deployment completed successfully",
    },
    stop(id, purge, namespace = "default") {
      const k = key(id, namespace);
      const job = jobs.get(k);
      if (!job) return;
      if (purge) {
        jobs.delete(k);
        versions.delete(k);
        return;
      }
      raft += 1;
      upsert(k, {
        ...job,
        Stop: true,
        Stable: false,
        Version: job.Version + 1,
        JobModifyIndex: raft,
        ModifyIndex: raft,
      });
    },
  };

  const register: Route = (r) => {
    const { Job } = JSON.parse(r.body) as {
      Job: { ID: string; Namespace?: string; TaskGroups?: { Update?: { AutoRevert?: boolean } }[] };
    };
    const ns = Job.Namespace ?? "default";
    const k = key(Job.ID, ns);
    const spec = JSON.stringify(sortKeys(Job));
    const existing = jobs.get(k);
    if (existing && !existing.Stop && existing.spec === spec)
      return json(200, { EvalID: "e-same", JobModifyIndex: existing.ModifyIndex });
    raft += 1;
    const index = raft;
    upsert(k, {
      ID: Job.ID,
      Namespace: ns,
      Stop: false,
      Stable: false,
      Version: existing ? existing.Version + 1 : 0,
      CreateIndex: existing?.CreateIndex ?? index,
      JobModifyIndex: index,
      ModifyIndex: index,
      spec,
      autoRevert: (Job.TaskGroups ?? []).some((g) => g.Update?.AutoRevert === true),
    });
    const d = deploy(k, nomad.nextDeployment);
    // The job's status changes once allocations are placed: ModifyIndex moves past
    // JobModifyIndex, as on a real cluster.
    raft += 1;
    upsert(k, { ...(jobs.get(k) as StoredJob), ModifyIndex: raft });
    if (d.Status === "failed" && (jobs.get(k) as StoredJob).autoRevert) autoRevert(k, d);
    return json(200, { EvalID: `e${index}`, JobModifyIndex: index });
  };

  const parse: Route = (r) => {
    const body = JSON.parse(r.body) as { JobHCL: string; Variables: string };
    if (body.JobHCL.includes("!syntax-error"))
      return json(400, "input.hcl:1,1-2: Argument or block definition required");
    const id = /job "([^"]+)"/.exec(body.JobHCL)?.[1];
    const ns = /namespace\s*=\s*"([^"]+)"/.exec(body.JobHCL)?.[1] ?? "default";
    const autoRevert = /auto_revert\s*=\s*true/.test(body.JobHCL);
    const groups = [...body.JobHCL.matchAll(/group "([^"]+)"/g)].map((m) => ({
      Name: m[1],
      ...(autoRevert ? { Update: { AutoRevert: true } } : {}),
    }));
    return json(200, {
      ID: id,
      Name: id,
      Namespace: ns,
      Type: "service",
      Meta: { vars: body.Variables },
      ...(groups.length > 0 ? { TaskGroups: groups } : {}),
    });
  };

  /** Routes under /v1/job/:id (ID, optional suffix), dispatched by method and suffix. */
  const jobRoutes: Route = (r) => {
    const m = /^\/v1\/job\/([^/?]+)(\/[a-z]+)?/.exec(r.path);
    if (!m) return json(404, "no route");
    const id = decodeURIComponent(m[1] as string);
    const ns = nsOf(r.path);
    const k = key(id, ns);
    const job = jobs.get(k);
    const what = `${r.method} ${m[2] ?? ""}`;
    if (what === "GET ") {
      if (!job) return json(404, "job not found");
      return json(200, { ...job, spec: undefined, autoRevert: undefined });
    }
    const all = deployments.get(k) ?? [];
    if (what === "GET /deployment")
      return json(200, [...all].sort((x, y) => y.CreateIndex - x.CreateIndex)[0] ?? null);
    if (what === "GET /deployments")
      return json(
        200,
        all.filter((d) => !job || d.JobCreateIndex === job.CreateIndex),
      );
    if (what === "POST /plan") {
      const { Job } = JSON.parse(r.body) as { Job: unknown };
      const type = !job
        ? "Added"
        : job.Stop || job.spec !== JSON.stringify(sortKeys(Job))
          ? "Edited"
          : "None";
      return json(200, { Diff: { Type: type } });
    }
    if (what === "DELETE ") {
      if (!job) return json(404, "job not found");
      nomad.stop(id, new URL(r.path, "https://x").searchParams.get("purge") === "true", ns);
      return json(200, { EvalID: "e-stop" });
    }
    return json(404, "no route");
  };

  const guarded =
    (route: Route): Route =>
    (r) =>
      nomad.deny.some((d) => `${r.method} ${r.path}`.startsWith(d))
        ? json(403, "Permission denied")
        : route(r);
  nomad.api = await startFakeApi({
    "POST /v1/jobs/parse": guarded(parse),
    "POST /v1/jobs": guarded(register),
    "*": guarded(jobRoutes),
  });
  return nomad;
}

/**
 * Jest setup shared by the Nomad provider tests: a fresh fake Nomad before each test, the
 * provider's notes (its stderr lines, `console.error` in-process) collected per test, and
 * both handed to `use`; the server closes after each test.
 */
export function useFakeNomad(use: (nomad: FakeNomad, notes: string[]) => void): void {
  let nomad: FakeNomad | undefined;
  beforeEach(async () => {
    nomad = await startFakeNomad();
    const notes: string[] = [];
    jest.spyOn(console, "error").mockImplementation((line: string) => void notes.push(line));
    use(nomad, notes);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await nomad?.api.close();
  });
}
