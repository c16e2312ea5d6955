/**
 * New provider code reaching existing resources. The engine keeps `__provider` out of the
 * diff, and a resource whose diff finds nothing keeps its old outputs (SameStep), while
 * refresh and destroy run the code recorded there (`getProvider(props)` in the SDK's
 * dynamic-provider plugin). So each provider records `providerRevision`, and a state
 * written by a lower (or no) revision is a change whose update stores the new code.
 */
import { revisionBehind, revisionNote } from "../components/nomad/dynamicDiff";
import {
  NOMAD_JOB_PROVIDER_REVISION,
  NomadJobInputs,
  NomadJobOutputs,
  nomadJobProvider,
} from "../components/nomad/nomadJob";
import {
  NOMAD_NAMESPACE_PROVIDER_REVISION,
  nomadNamespaceProvider,
} from "../components/nomad/nomadNamespace";
import { startFakeApi } from "./harness/fakeApi";
import { FakeNomad, useFakeNomad } from "./harness/fakeNomad";
import { jobInputs, nomadConn } from "./harness/jobInputs";

const HCL = 'job "web" {\n  group "g" {}\n}\n';
const ID = "web@default";

let nomad: FakeNomad;
let notes: string[];
useFakeNomad((n, ns) => {
  nomad = n;
  notes = ns;
});

const inputs = (): NomadJobInputs =>
  jobInputs(nomad, { jobspec: HCL, variables: { datacenter: "dc1" } });
const without = (o: object, key: string) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

test("the rule: a lower or missing recorded revision is behind; the same or a higher one is not", () => {
  expect(revisionBehind({}, 1)).toBe(true);
  expect(revisionBehind({ providerRevision: 1 }, 2)).toBe(true);
  expect(revisionBehind({ providerRevision: 2 }, 2)).toBe(false);
  expect(revisionBehind({ providerRevision: 3 }, 2)).toBe(false);
  expect(revisionBehind({ providerRevision: "2" }, 2)).toBe(true);
  expect(revisionNote({}, 2)).toBe(
    "recorded by provider revision none, this code is revision 2: the update records the new " +
      "provider code, so refresh and destroy use it",
  );
});

test("a job recorded before this revision: a change with a note, and an update that only rewrites the state", async () => {
  const created = (await nomadJobProvider.create(inputs())).outs as NomadJobOutputs;
  expect(created.providerRevision).toBe(NOMAD_JOB_PROVIDER_REVISION);
  const before = nomad.api.requests.length;
  const old = { ...without(created, "providerRevision"), __provider: "old code" };
  const olds = old as unknown as NomadJobOutputs;
  const news = { ...inputs(), __provider: "new code" };
  expect(await nomadJobProvider.diff!(ID, olds, news)).toEqual({ changes: true, replaces: [] });
  expect(notes).toEqual([
    `note: hashistack:NomadJob ${ID}: ${revisionNote({}, NOMAD_JOB_PROVIDER_REVISION)}`,
  ]);
  const outs = (await nomadJobProvider.update!(ID, olds, news)).outs as Record<string, unknown>;
  expect(outs).toEqual({
    ...created,
    providerRevision: NOMAD_JOB_PROVIDER_REVISION,
    __provider: "new code",
  });
  // Nothing asked of Nomad: the job is as recorded.
  expect(nomad.api.requests.length).toBe(before);
  // Recorded at this revision: no change any more.
  notes.length = 0;
  expect(await nomadJobProvider.diff!(ID, outs as unknown as NomadJobOutputs, news)).toEqual({
    changes: false,
    replaces: [],
  });
  expect(notes).toEqual([]);
});

test("a lower revision with a real change or drift takes the normal update (registers)", async () => {
  const created = (await nomadJobProvider.create(inputs())).outs as NomadJobOutputs;
  const olds = { ...created, providerRevision: 0, drift: "stopped in Nomad (Stop = true)" };
  nomad.stop("web", false);
  const outs = (await nomadJobProvider.update!(ID, olds, inputs())).outs as Record<string, unknown>;
  expect(outs).toMatchObject({ providerRevision: NOMAD_JOB_PROVIDER_REVISION, drift: "" });
  expect(nomad.jobs.get("default/web")).toMatchObject({ Stop: false });
});

test("refresh keeps the recorded revision (the code that runs is the recorded one)", async () => {
  const created = (await nomadJobProvider.create(inputs())).outs as NomadJobOutputs;
  const read = await nomadJobProvider.read!(ID, { ...created, providerRevision: 0 });
  expect((read.props as NomadJobOutputs).providerRevision).toBe(0);
});

test("namespaces: the same rule; the update is an upsert that records the revision", async () => {
  const api = await startFakeApi({
    "PUT /v1/namespace/ingress": (r) => ({ status: 200, body: JSON.parse(r.body) as unknown }),
  });
  const ns = {
    ...nomadConn(api),
    name: "ingress",
    description: "API gateways",
  };
  try {
    const created = (await nomadNamespaceProvider.create(ns)).outs as Record<string, unknown>;
    expect(created.providerRevision).toBe(NOMAD_NAMESPACE_PROVIDER_REVISION);
    expect(await nomadNamespaceProvider.diff!("ingress", created, ns)).toMatchObject({
      changes: false,
    });
    expect(await nomadNamespaceProvider.diff!("ingress", ns, ns)).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(notes).toEqual([
      `note: hashistack:NomadNamespace ingress: ${revisionNote({}, NOMAD_NAMESPACE_PROVIDER_REVISION)}`,
    ]);
    const outs = (await nomadNamespaceProvider.update!("ingress", ns, ns)).outs as Record<
      string,
      unknown
    >;
    expect(outs).toEqual({ ...ns, providerRevision: NOMAD_NAMESPACE_PROVIDER_REVISION });
  } finally {
    await api.close();
  }
});
