/**
 * A stateful Nomad-like HTTPS server for the job lifecycle: it keeps jobs, versions and
 * deployments the way Nomad's server does, so refresh, drift and failed rollouts replay as
 * they would against a cluster. Behaviours taken from hashicorp/nomad:
 * - register with an unchanged spec keeps the job's JobModifyIndex and answers its
 *   ModifyIndex (nomad/job_endpoint.go, Register, "if !specChanged"); no new deployment
 *   (a failed current deployment blocks placements: scheduler/reconciler/
 *   reconcile_cluster.go, "If the deployment is paused, failed, ... do not create anything");
 * - a changed spec bumps JobModifyIndex and Version (nomad/state/state_store.go,
 *   upsertJobImpl) and starts a deployment for that JobModifyIndex;
 * - `DELETE /v1/job/:id` without purge re-inserts the job with `Stop = true` as a new
 *   version (nomad/fsm.go, handleJobDeregister); with `purge=true` it is gone and
 *   `GET /v1/job/:id` answers 404 "job not found" (command/agent/job_endpoint.go);
 * - `GET /v1/job/:id/deployment` answers the latest deployment or null.
 * The parser understands `job "<id>"` and `namespace = "<ns>"`, and answers 400 for a
 * jobspec containing `!syntax-error`.
 */
import { FakeApi, Route, startFakeApi } from "./fakeApi";

/** One job as the fake stores it. */
export interface StoredJob {
  ID: string;
  Namespace: string;
  Stop: boolean;
  Version: number;
  JobModifyIndex: number;
  ModifyIndex: number;
  /** Canonical JSON of the registered job, for spec comparisons. */
  spec: string;
}

/** A deployment as the fake stores it. */
export interface StoredDeployment {
  ID: string;
  JobModifyIndex: number;
  Status: string;
  StatusDescription: string;
}

/** The running fake and the knobs tests turn. */
export interface FakeNomad {
  api: FakeApi;
  jobs: Map<string, StoredJob>;
  deployments: Map<string, StoredDeployment[]>;
  /** Status of the next deployment a spec change starts (default "successful"). */
  nextDeployment: { Status: string; StatusDescription: string };
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
  const deployments = new Map<string, StoredDeployment[]>();
  const key = (id: string, ns: string) => `${ns}/${id}`;
  const nsOf = (path: string) =>
    new URL(path, "https://x").searchParams.get("namespace") ?? "default";

  const nomad: FakeNomad = {
    api: undefined as unknown as FakeApi,
    jobs,
    deployments,
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
        return;
      }
      raft += 1;
      jobs.set(k, {
        ...job,
        Stop: true,
        Version: job.Version + 1,
        JobModifyIndex: raft,
        ModifyIndex: raft,
      });
    },
  };

  const register: Route = (r) => {
    const { Job } = JSON.parse(r.body) as { Job: { ID: string; Namespace?: string } };
    const ns = Job.Namespace ?? "default";
    const k = key(Job.ID, ns);
    const spec = JSON.stringify(sortKeys(Job));
    const existing = jobs.get(k);
    if (existing && !existing.Stop && existing.spec === spec)
      return json(200, { EvalID: "e-same", JobModifyIndex: existing.ModifyIndex });
    raft += 1;
    const index = raft;
    const d: StoredDeployment = { ID: `d${index}`, JobModifyIndex: index, ...nomad.nextDeployment };
    deployments.set(k, [...(deployments.get(k) ?? []), d]);
    // The job's status changes once allocations are placed: ModifyIndex moves past
    // JobModifyIndex, as on a real cluster.
    raft += 1;
    jobs.set(k, {
      ID: Job.ID,
      Namespace: ns,
      Stop: false,
      Version: existing ? existing.Version + 1 : 0,
      JobModifyIndex: index,
      ModifyIndex: raft,
      spec,
    });
    return json(200, { EvalID: `e${index}`, JobModifyIndex: index });
  };

  const parse: Route = (r) => {
    const body = JSON.parse(r.body) as { JobHCL: string; Variables: string };
    if (body.JobHCL.includes("!syntax-error"))
      return json(400, "input.hcl:1,1-2: Argument or block definition required");
    const id = /job "([^"]+)"/.exec(body.JobHCL)?.[1];
    const ns = /namespace\s*=\s*"([^"]+)"/.exec(body.JobHCL)?.[1] ?? "default";
    return json(200, {
      ID: id,
      Name: id,
      Namespace: ns,
      Type: "service",
      Meta: { vars: body.Variables },
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
      return json(200, { ...job, spec: undefined });
    }
    if (what === "GET /deployment") return json(200, (deployments.get(k) ?? []).at(-1) ?? null);
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

  nomad.api = await startFakeApi({
    "POST /v1/jobs/parse": parse,
    "POST /v1/jobs": register,
    "*": jobRoutes,
  });
  return nomad;
}
