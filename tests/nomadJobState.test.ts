/**
 * The Nomad job and namespace providers over a job's life, against a stateful Nomad-like
 * server: refresh (read) of unchanged, purged, stopped and re-registered jobs, a failed
 * rollout and its retry, and the `__provider` key. Each step hands the provider what the
 * engine would: after a refresh the diff gets the read state as olds and the recorded
 * inputs as news (RefreshStep.Apply in pulumi/pulumi pkg/resource/deploy/step.go); after a
 * partially failed update the outputs come from the error (pkg/engine/update.go).
 */
import { callApi } from "../components/nomad/apiClient";
import { PartialFailure } from "../components/nomad/dynamicResult";
import { parseJob, planJob } from "../components/nomad/nomadApi";
import {
  NOMAD_JOB_PROVIDER_REVISION,
  NomadJobInputs,
  NomadJobOutputs,
  nomadJobProvider,
} from "../components/nomad/nomadJob";
import { deploymentFor } from "../components/nomad/nomadDeployment";
import { jobDrift } from "../components/nomad/nomadJobDiff";
import {
  NOMAD_NAMESPACE_PROVIDER_REVISION,
  nomadNamespaceProvider,
} from "../components/nomad/nomadNamespace";
import { startFakeApi } from "./harness/fakeApi";
import { FakeNomad, useFakeNomad } from "./harness/fakeNomad";
import { JOB_HCL as HCL, NOMAD_TOKEN, jobInputs, nomadConn } from "./harness/jobInputs";

const PROVIDER = "exports.handler = () => provider; // serialized provider code, version 1";

let nomad: FakeNomad;
let notes: string[];
useFakeNomad((n, ns) => {
  nomad = n;
  notes = ns;
});

const inputs = (over: Partial<NomadJobInputs> = {}) => jobInputs(nomad, over);
const ID = "mesh-gateway@default";
const calls = () => nomad.api.requests.length;

async function created(over: Partial<NomadJobInputs> = {}): Promise<NomadJobOutputs> {
  return (await nomadJobProvider.create(inputs(over))).outs as NomadJobOutputs;
}

async function rejection(p: Promise<unknown>): Promise<PartialFailure> {
  return (await p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  )) as PartialFailure;
}

describe("refresh reads the live job", () => {
  test("an unchanged job reads back exactly as recorded, and the refresh diff finds no change", async () => {
    const outs = await created();
    expect(outs).toMatchObject({ jobModifyIndex: 101, deploymentId: "d101", drift: "" });
    const read = await nomadJobProvider.read!(ID, outs);
    expect(read).toEqual({ id: ID, props: outs });
    const before = calls();
    const diff = await nomadJobProvider.diff!(ID, read.props as NomadJobOutputs, inputs());
    expect(diff).toEqual({ changes: false, replaces: [] });
    expect(calls()).toBe(before);
    expect(notes).toEqual([]);
  });

  test("a purged job reads as gone (blank ID), so the next up creates it again", async () => {
    const outs = await created();
    nomad.stop("mesh-gateway", true);
    expect(await nomadJobProvider.read!(ID, outs)).toEqual({ id: "" });
    expect(nomad.jobs.has("default/mesh-gateway")).toBe(false);
    await created();
    expect(nomad.jobs.get("default/mesh-gateway")).toMatchObject({ Stop: false });
  });

  test("a stopped job (nomad job stop without -purge) is drift: the next up re-registers it, with a note", async () => {
    const outs = await created();
    nomad.stop("mesh-gateway", false);
    const read = await nomadJobProvider.read!(ID, outs);
    expect(read.props).toEqual({ ...outs, drift: "stopped in Nomad (Stop = true)" });
    const before = calls();
    const diff = await nomadJobProvider.diff!(ID, read.props as NomadJobOutputs, inputs());
    expect(diff).toEqual({ changes: true, replaces: [] });
    expect(calls()).toBe(before);
    expect(notes).toEqual([
      "note: hashistack:NomadJob mesh-gateway@default: Nomad does not run what this stack " +
        "registered (stopped in Nomad (Stop = true)); the update re-registers the job",
    ]);
    const updated = await nomadJobProvider.update!(ID, read.props as NomadJobOutputs, inputs());
    expect(updated.outs).toMatchObject({ drift: "", deploymentId: "d104" });
    expect(nomad.jobs.get("default/mesh-gateway")).toMatchObject({ Stop: false });
  });

  test("a job registered from outside the stack (its spec index moved) is drift", async () => {
    const outs = await created();
    const c = nomadConn(nomad);
    const other = await parseJob(c, HCL, { datacenter: "dc1", wan_address: "198.51.100.1" });
    await callApi(
      {
        baseUrl: nomad.api.url,
        path: "/v1/jobs",
        method: "POST",
        caPem: c.caPem,
        body: { Job: other },
      },
      "nomad job run",
      { attempts: 1, baseDelayMs: 0 },
    );
    const read = await nomadJobProvider.read!(ID, outs);
    expect((read.props as NomadJobOutputs).drift).toBe(
      "changed outside this stack: Nomad's job is at JobModifyIndex 103, Pulumi registered 101 " +
        "(a manual run, scale or revert, or an automatic revert after a failed deployment)",
    );
    expect(await nomadJobProvider.diff!(ID, read.props as NomadJobOutputs, inputs())).toEqual({
      changes: true,
      replaces: [],
    });
  });

  test("namespaces: a deleted one reads as gone, an edited description reads back as drift", async () => {
    let description = "API gateways";
    let exists = true;
    const api = await startFakeApi({
      "GET /v1/namespace/ingress": () =>
        exists
          ? { status: 200, body: { Name: "ingress", Description: description } }
          : { status: 404, body: "Namespace not found" },
    });
    const ns = {
      ...nomadConn(api),
      name: "ingress",
      description: "API gateways",
      __provider: PROVIDER,
    };
    try {
      expect(await nomadNamespaceProvider.read!("ingress", ns)).toEqual({
        id: "ingress",
        props: ns,
      });
      description = "edited by hand";
      const read = await nomadNamespaceProvider.read!("ingress", ns);
      expect(read.props).toEqual({ ...ns, description: "edited by hand" });
      expect(await nomadNamespaceProvider.diff!("ingress", read.props, ns)).toMatchObject({
        changes: true,
        replaces: [],
      });
      exists = false;
      expect(await nomadNamespaceProvider.read!("ingress", ns)).toEqual({ id: "" });
    } finally {
      await api.close();
    }
  });
});

describe("a failed rollout stays visibly out of date", () => {
  const FIXED = { datacenter: "dc1", wan_address: "203.0.113.10" };

  test("update fails while waiting: partial state with the reason and the provider code; the next up shows a change", async () => {
    const outs = await created();
    nomad.nextDeployment = {
      Status: "failed",
      StatusDescription: "Failed due to progress deadline",
    };
    const news = { ...inputs({ variables: FIXED }), __provider: PROVIDER };
    const err = await rejection(nomadJobProvider.update!(ID, outs, news));
    const reason = "job mesh-gateway: deployment d103 failed: Failed due to progress deadline";
    expect(err.message).toBe(reason);
    expect(err.id).toBe(ID);
    expect(err.reasons).toEqual([reason]);
    expect(err.properties).toEqual({
      ...news,
      jobId: "mesh-gateway",
      namespace: "default",
      jobModifyIndex: 103,
      deploymentId: "",
      drift: `rollout failed: ${reason}`,
      providerRevision: NOMAD_JOB_PROVIDER_REVISION,
    });
    // Recorded outputs now match the new inputs; the recorded failure is what counts.
    const diff = await nomadJobProvider.diff!(ID, err.properties, news);
    expect(diff).toEqual({ changes: true, replaces: [] });
    expect(notes.at(-1)).toContain(`(rollout failed: ${reason})`);
    // A refresh keeps it: the live deployment is still the failed one.
    const read = await nomadJobProvider.read!(ID, err.properties);
    expect((read.props as NomadJobOutputs).drift).toBe(`rollout failed: ${reason}`);
  });

  test("even when the old state stayed recorded (an interrupted update), the diff sees past Nomad's planner", async () => {
    const outs = await created();
    nomad.nextDeployment = { Status: "running", StatusDescription: "Deployment is running" };
    const news = inputs({ variables: FIXED, timeoutSeconds: 0.1 });
    await rejection(nomadJobProvider.update!(ID, outs, news));
    // Nomad already has the new spec: its planner alone would hide the change.
    const c = { address: nomad.api.url, caPem: news.caPem, token: NOMAD_TOKEN };
    expect(await planJob(c, await parseJob(c, HCL, FIXED))).toBe("None");
    expect(await nomadJobProvider.diff!(ID, outs, news)).toEqual({ changes: true, replaces: [] });
  });

  test("retrying the unchanged spec reports the failed deployment at once; a fixed spec rolls out and clears the drift", async () => {
    const outs = await created();
    nomad.nextDeployment = {
      Status: "failed",
      StatusDescription: "Failed due to unhealthy allocations",
    };
    const news = inputs({ variables: FIXED });
    const first = await rejection(nomadJobProvider.update!(ID, outs, news));
    const partial = first.properties as unknown as NomadJobOutputs;
    // Nomad keeps the failed version (same spec): no new deployment, the failure stands.
    const again = await rejection(nomadJobProvider.update!(ID, partial, news));
    expect(again.message).toBe(
      "job mesh-gateway: deployment d103 failed: Failed due to unhealthy allocations",
    );
    nomad.nextDeployment = { Status: "successful", StatusDescription: "ok" };
    const fixed = inputs({ variables: { ...FIXED, wan_address: "203.0.113.11" } });
    const done = await nomadJobProvider.update!(ID, partial, fixed);
    expect(done.outs).toMatchObject({ drift: "", deploymentId: "d105", jobModifyIndex: 105 });
  });

  test("a failed create is recorded with the job's ID, so destroy still purges it", async () => {
    nomad.nextDeployment = {
      Status: "failed",
      StatusDescription: "Failed due to progress deadline",
    };
    const err = await rejection(nomadJobProvider.create(inputs()));
    expect(err.id).toBe(ID);
    expect(err.properties).toMatchObject({
      jobId: "mesh-gateway",
      namespace: "default",
      deploymentId: "",
    });
    await nomadJobProvider.delete!(err.id, err.properties);
    expect(nomad.jobs.has("default/mesh-gateway")).toBe(false);
  });

  test("a failure before Nomad registered anything is a plain error, with nothing recorded", async () => {
    const err = await rejection(nomadJobProvider.create(inputs({ jobspec: "!syntax-error" })));
    expect(err.message).toBe(
      "parse jobspec: HTTP 400: input.hcl:1,1-2: Argument or block definition required",
    );
    expect(err.id).toBeUndefined();
  });
});

describe("the serialized provider code (__provider) is not an input that changes", () => {
  test("a new provider version alone: no change, no API call, for jobs and namespaces", async () => {
    const outs = { ...(await created()), __provider: PROVIDER };
    const before = calls();
    const news = { ...inputs(), __provider: PROVIDER.replace("version 1", "version 2") };
    expect(await nomadJobProvider.diff!(ID, outs, news)).toEqual({ changes: false, replaces: [] });
    expect(calls()).toBe(before);
    const ns = { address: "a", caPem: "c", token: "t", name: "ingress", description: "d" };
    expect(
      await nomadNamespaceProvider.diff!(
        "ingress",
        { ...ns, providerRevision: NOMAD_NAMESPACE_PROVIDER_REVISION, __provider: "v1" },
        { ...ns, __provider: "v2" },
      ),
    ).toMatchObject({ changes: false, replaces: [] });
    expect(notes).toEqual([]);
  });
});

describe("drift from the live job and its latest deployment", () => {
  const state = {
    address: "https://127.0.0.1:1",
    caPem: "CA",
    token: NOMAD_TOKEN,
    jobspec: HCL,
    variables: {},
    waitHealthy: true,
    timeoutSeconds: 600,
    jobId: "web",
    namespace: "default",
    jobModifyIndex: 40,
    deploymentId: "",
    drift: "rollout failed: job web: not healthy after 600 s (last deployment state: running: )",
  };
  const live = { ID: "web", Stop: false, JobModifyIndex: 40 };
  const deployment = (Status: string, JobSpecModifyIndex = 40) => ({
    ID: `d${JobSpecModifyIndex}`,
    Status,
    JobSpecModifyIndex,
  });

  test("a rollout still running stays out of date; once successful the drift clears", () => {
    expect(jobDrift(state, live, deployment("running"))).toBe(state.drift);
    expect(jobDrift(state, live, deployment("successful"))).toBe("");
  });

  test("a deployment of another version, or none, says nothing new", () => {
    // Refresh passes the deployment for the recorded spec: deploymentFor picks it.
    const others = [deployment("successful", 39), deployment("successful", 41)];
    expect(deploymentFor(others, 40)).toBeUndefined();
    expect(jobDrift(state, live, deploymentFor(others, 40))).toBe(state.drift);
    expect(jobDrift(state, live, undefined)).toBe(state.drift);
    expect(deploymentFor([...others, deployment("successful")], 40)?.ID).toBe("d40");
  });

  test("a cancelled deployment is a failed rollout; without waitHealthy only stop and index count", () => {
    expect(
      jobDrift({ ...state, drift: "" }, live, {
        ...deployment("cancelled"),
        StatusDescription: "Cancelled by user",
      }),
    ).toBe("rollout failed: job web: deployment d40 cancelled: Cancelled by user");
    expect(jobDrift({ ...state, waitHealthy: false }, live, deployment("failed"))).toBe("");
  });
});
