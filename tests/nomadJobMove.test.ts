/**
 * A job whose new spec has another ID or namespace is a replacement, but the diff can only
 * see that when Nomad answers (it parses the spec). The engine's DiffRequest carries no
 * preview flag (pulumi/pulumi proto/pulumi/provider.proto), so during `up` a dropped
 * connection makes the diff compare inputs only and the engine runs an in-place update.
 * The update then registers the new job and purges the old one: nothing is left behind.
 */
import { PartialFailure } from "../components/nomad/dynamicResult";
import { NomadJobInputs, NomadJobOutputs, nomadJobProvider } from "../components/nomad/nomadJob";
import { FakeNomad, startFakeNomad, useFakeNomad } from "./harness/fakeNomad";
import { JOB_HCL as HCL, jobInputs } from "./harness/jobInputs";

const ID = "mesh-gateway@default";

let nomad: FakeNomad;
let notes: string[];
useFakeNomad((n, ns) => {
  nomad = n;
  notes = ns;
});

const inputs = (over: Partial<NomadJobInputs> = {}) =>
  jobInputs(nomad, { variables: { datacenter: "dc1" }, ...over });

/** The fallback diff: the same state and inputs, but Nomad at a port nothing listens on. */
async function diffWithoutNomad(olds: NomadJobOutputs, news: NomadJobInputs) {
  const gone = await startFakeNomad();
  const address = gone.api.url;
  await gone.api.close();
  return nomadJobProvider.diff!(ID, { ...olds, address }, { ...news, address });
}

test("a new job ID seen only as an input change: the update registers the new job and purges the old", async () => {
  const olds = (await nomadJobProvider.create(inputs())).outs as NomadJobOutputs;
  const news = inputs({ jobspec: HCL.replace('job "mesh-gateway"', 'job "mesh-gw"') });
  expect(await diffWithoutNomad(olds, news)).toEqual({ changes: true, replaces: [] });
  expect(notes.at(-1)).toContain("compared inputs only");
  const outs = (await nomadJobProvider.update!(ID, olds, news)).outs as Record<string, unknown>;
  expect(outs).toMatchObject({ jobId: "mesh-gw", namespace: "default", drift: "" });
  expect([...nomad.jobs.keys()]).toEqual(["default/mesh-gw"]);
  expect(nomad.api.requests.map((r) => `${r.method} ${r.path}`).slice(-2)).toEqual([
    // After the new job is registered and healthy, not before.
    "GET /v1/job/mesh-gw/deployments?namespace=default",
    "DELETE /v1/job/mesh-gateway?purge=true&namespace=default",
  ]);
});

test("a new namespace: the job in the old namespace is purged", async () => {
  const olds = (await nomadJobProvider.create(inputs())).outs as NomadJobOutputs;
  const news = inputs({ jobspec: HCL.replace("{\n", '{\n  namespace = "ingress"\n') });
  const outs = (await nomadJobProvider.update!(ID, olds, news)).outs as Record<string, unknown>;
  expect(outs).toMatchObject({ jobId: "mesh-gateway", namespace: "ingress" });
  expect([...nomad.jobs.keys()]).toEqual(["ingress/mesh-gateway"]);
});

test("an old job that cannot be purged: partial state for the new job, and how to purge the old by hand", async () => {
  const olds = (await nomadJobProvider.create(inputs())).outs as NomadJobOutputs;
  const news = inputs({ jobspec: HCL.replace('job "mesh-gateway"', 'job "mesh-gw"') });
  nomad.deny = ["DELETE /v1/job/mesh-gateway"];
  const err = (await nomadJobProvider.update!(ID, olds, news).catch(
    (e: unknown) => e,
  )) as PartialFailure;
  expect(err.message).toBe(
    "job mesh-gw@default replaces mesh-gateway@default, which could not be purged (nomad job " +
      "stop -purge -namespace default mesh-gateway): purge job mesh-gateway: HTTP 403: " +
      "Permission denied",
  );
  expect(err.id).toBe("mesh-gw@default");
  // The new job is healthy: recorded as it is, no rollout drift.
  expect(err.properties).toMatchObject({ jobId: "mesh-gw", drift: "", deploymentId: "d103" });
  expect([...nomad.jobs.keys()].sort()).toEqual(["default/mesh-gateway", "default/mesh-gw"]);
});

test("the same ID and namespace purge nothing", async () => {
  const olds = (await nomadJobProvider.create(inputs())).outs as NomadJobOutputs;
  await nomadJobProvider.update!(ID, olds, inputs({ variables: { datacenter: "dc2" } }));
  expect(nomad.api.requests.filter((r) => r.method === "DELETE")).toEqual([]);
  expect([...nomad.jobs.keys()]).toEqual(["default/mesh-gateway"]);
});
