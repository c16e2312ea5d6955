/**
 * The Nomad job provider inside the SDK's real dynamic-provider plugin, called over gRPC
 * as the engine calls it (see harness/dynamicProviderHost.ts): what the engine receives for
 * a provider-code-only change, a purged job, a failed rollout (partial state), and a
 * preview that cannot reach Nomad (the note on the plugin's stderr).
 */
import { NomadJobInputs, nomadJobProvider } from "../components/nomad/nomadJob";
import { DynamicProviderHost, startDynamicProviderHost } from "./harness/dynamicProviderHost";
import { FakeNomad, startFakeNomad } from "./harness/fakeNomad";
import { jobInputs } from "./harness/jobInputs";

const ID = "mesh-gateway@default";

let host: DynamicProviderHost;
let nomad: FakeNomad;
beforeAll(async () => {
  host = await startDynamicProviderHost(nomadJobProvider);
}, 60_000);
afterAll(async () => host.close());
beforeEach(async () => {
  nomad = await startFakeNomad();
});
afterEach(async () => nomad.api.close());

const inputs = (over: Partial<NomadJobInputs> = {}) => jobInputs(nomad, over);

test("create returns the outputs with __provider added by the SDK", async () => {
  const res = await host.create(inputs());
  expect(res.id).toBe(ID);
  expect(res.properties).toMatchObject({ jobId: "mesh-gateway", drift: "", __provider: host.code });
});

test("recorded state from older provider code: no change (DIFF_NONE), no request to Nomad", async () => {
  const { properties } = await host.create(inputs());
  const before = nomad.api.requests.length;
  const olds = { ...properties, __provider: `${host.code}\n// an older build of the provider` };
  expect(await host.diff(ID, olds, inputs())).toBe("none");
  expect(await host.diff(ID, olds, inputs({ timeoutSeconds: 600 }))).toBe("some");
  expect(nomad.api.requests.length).toBe(before);
});

test("state from before the provider recorded its revision: a change, and the update stores the new code without asking Nomad", async () => {
  const { properties } = await host.create(inputs());
  const olds = Object.fromEntries(
    Object.entries({
      ...properties,
      __provider: `${host.code}\n// before providerRevision`,
    }).filter(([k]) => k !== "providerRevision"),
  );
  const before = nomad.api.requests.length;
  expect(await host.diff(ID, olds, inputs())).toBe("some");
  const updated = await host.update(ID, olds, inputs());
  // What the engine records: this code, so the next refresh and destroy run it.
  expect(updated).toEqual({ ...properties, __provider: host.code });
  expect(nomad.api.requests.length).toBe(before);
  expect(await host.diff(ID, updated, inputs())).toBe("none");
});

test("a purged job: the SDK answers the engine's Read with a blank ID (gone)", async () => {
  const { properties } = await host.create(inputs());
  nomad.stop("mesh-gateway", true);
  expect((await host.read(ID, properties)).id).toBe("");
  // A live one comes back with its ID and the SDK keeps __provider in the state.
  nomad.stop("mesh-gateway", true);
  const again = await host.create(inputs());
  expect(await host.read(ID, again.properties)).toEqual({ id: ID, properties: again.properties });
});

test("a failed rollout reaches the engine as partial state that keeps __provider, so destroy works", async () => {
  const { properties } = await host.create(inputs());
  nomad.nextDeployment = { Status: "failed", StatusDescription: "Failed due to progress deadline" };
  const news = inputs({ variables: { datacenter: "dc1", wan_address: "203.0.113.10" } });
  const failure = await host.initFailure(() => host.update(ID, properties, news));
  const reason = "job mesh-gateway: deployment d103 failed: Failed due to progress deadline";
  expect(failure).toMatchObject({ message: reason, id: ID, reasons: [reason] });
  expect(failure.properties).toMatchObject({
    drift: `rollout failed: ${reason}`,
    jobModifyIndex: 103,
    __provider: host.code,
  });
  // The engine records these outputs; the next up's diff (olds = them) shows a change.
  expect(await host.diff(ID, failure.properties, news)).toBe("some");
  // Delete loads the provider from the recorded outputs (getProvider(props)): without
  // __provider there it could not run at all.
  const withoutCode = Object.fromEntries(
    Object.entries(failure.properties).filter(([k]) => k !== "__provider"),
  );
  await expect(host.delete(ID, withoutCode)).rejects.toThrow(/^2 UNKNOWN: /);
  expect(nomad.jobs.has("default/mesh-gateway")).toBe(true);
  await host.delete(ID, failure.properties);
  expect(nomad.jobs.has("default/mesh-gateway")).toBe(false);
});

test("a preview that cannot reach Nomad: a change, and the note on the plugin's stderr", async () => {
  const { properties } = await host.create(inputs());
  const address = nomad.api.url;
  await nomad.api.close();
  nomad = await startFakeNomad(); // afterEach closes this one; the old port stays closed
  const news = inputs({ address, variables: { datacenter: "dc1", wan_address: "203.0.113.10" } });
  expect(await host.diff(ID, properties, news)).toBe("some");
  const note =
    `note: hashistack:NomadJob ${ID}: compared inputs only (Nomad at ${address} did ` +
    "not answer from this machine: ECONNREFUSED)";
  expect(await host.stderrWith(note)).toContain(note);
});
