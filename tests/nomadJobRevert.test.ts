/**
 * A rollout is judged by the deployment of exactly the spec Pulumi registered. With
 * `auto_revert = true` (the gateway jobspecs) Nomad answers a failed deployment by
 * registering the last stable version again, whose own deployment succeeds a moment later
 * (nomad/deploymentwatcher/deployment_watcher.go): that success must never count as ours.
 * Replayed against the stateful fake Nomad, which models the revert.
 */
import { PartialFailure } from "../components/nomad/dynamicResult";
import { parseJob, registerJob } from "../components/nomad/nomadApi";
import { deploymentFor, jobMoved, waitForDeployment } from "../components/nomad/nomadDeployment";
import { NomadJobInputs, NomadJobOutputs, nomadJobProvider } from "../components/nomad/nomadJob";
import { FakeNomad, useFakeNomad } from "./harness/fakeNomad";
import { jobInputs, nomadConn } from "./harness/jobInputs";

const HCL =
  'job "mesh-gateway" {\n  group "gateway" {\n    update {\n      auto_revert = true\n' +
  "    }\n  }\n}\n";
const ID = "mesh-gateway@default";
const BROKEN = { datacenter: "dc1", wan_address: "203.0.113.66" };

let nomad: FakeNomad;
let notes: string[];
useFakeNomad((n, ns) => {
  nomad = n;
  notes = ns;
});

const conn = () => nomadConn(nomad);
const inputs = (over: Partial<NomadJobInputs> = {}) => jobInputs(nomad, { jobspec: HCL, ...over });

async function rejection(p: Promise<unknown>): Promise<PartialFailure> {
  return (await p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  )) as PartialFailure;
}

describe("auto_revert: Nomad rolls a failed rollout back", () => {
  const REVERTED =
    "job mesh-gateway: deployment d103 failed: Failed due to unhealthy allocations - rolling " +
    "back to job version 0; Nomad reverted the job to version 0: it now runs version 2 " +
    "(JobModifyIndex 105), not the one Pulumi registered (JobModifyIndex 103)";

  test("the revert's successful deployment is not taken for ours: partial failure, drift, and the next up shows it", async () => {
    const outs = (await nomadJobProvider.create(inputs())).outs as NomadJobOutputs;
    expect(outs).toMatchObject({ jobModifyIndex: 101, deploymentId: "d101", drift: "" });
    nomad.nextDeployment = {
      Status: "failed",
      StatusDescription: "Failed due to unhealthy allocations",
    };
    const news = inputs({ variables: BROKEN });
    const err = await rejection(nomadJobProvider.update!(ID, outs, news));
    // What Nomad did: our deployment failed, the stable version 0 came back as version 2,
    // and that revert's deployment is already the latest one, and successful.
    const all = nomad.deployments.get("default/mesh-gateway") ?? [];
    expect(all.map((d) => `${d.ID} ${d.JobSpecModifyIndex} ${d.Status}`)).toEqual([
      "d101 101 successful",
      "d103 103 failed",
      "d105 105 successful",
    ]);
    expect(nomad.jobs.get("default/mesh-gateway")).toMatchObject({
      Version: 2,
      JobModifyIndex: 105,
    });
    expect(err.message).toBe(REVERTED);
    expect(err.id).toBe(ID);
    expect(err.properties).toMatchObject({
      jobModifyIndex: 103,
      deploymentId: "",
      variables: BROKEN,
      drift: `rollout failed: ${REVERTED}`,
    });
    const recorded = err.properties as unknown as NomadJobOutputs;
    expect(await nomadJobProvider.diff!(ID, recorded, news)).toEqual({
      changes: true,
      replaces: [],
    });
    expect(notes.at(-1)).toContain(`(rollout failed: ${REVERTED})`);
    // A refresh finds the same: the recorded spec's deployment failed and Nomad moved on.
    const read = await nomadJobProvider.read!(ID, recorded);
    expect((read.props as NomadJobOutputs).drift).toBe(`rollout failed: ${REVERTED}`);
    // Once the spec is good, the next up registers it again (it differs from the revert).
    nomad.nextDeployment = { Status: "successful", StatusDescription: "ok" };
    const done = await nomadJobProvider.update!(ID, recorded, news);
    expect(done.outs).toMatchObject({ jobModifyIndex: 107, deploymentId: "d107", drift: "" });
  });

  test("no stable version to revert to: the failure alone, the job where Pulumi put it", async () => {
    nomad.nextDeployment = {
      Status: "failed",
      StatusDescription: "Failed due to progress deadline",
    };
    const err = await rejection(nomadJobProvider.create(inputs()));
    expect(err.message).toBe(
      "job mesh-gateway: deployment d101 failed: Failed due to progress deadline - no stable " +
        "job version to auto revert to",
    );
    expect(nomad.jobs.get("default/mesh-gateway")).toMatchObject({ JobModifyIndex: 101 });
  });
});

describe("the wait follows the registered spec only", () => {
  test("a job moved on by someone else while Pulumi waits: an error at once, not a wait for the timeout", async () => {
    nomad.nextDeployment = { Status: "running", StatusDescription: "Deployment is running" };
    const job = await parseJob(conn(), HCL, { datacenter: "dc1" });
    const ours = await registerJob(conn(), job, HCL, {});
    nomad.nextDeployment = { Status: "successful", StatusDescription: "ok" };
    const other = await parseJob(conn(), HCL, { datacenter: "dc9" });
    await registerJob(conn(), other, HCL, {});
    await expect(waitForDeployment(conn(), job, ours, 30, 10)).rejects.toThrow(
      "job mesh-gateway: the job changed in Nomad: it now runs version 1 (JobModifyIndex 103), " +
        "not the one Pulumi registered (JobModifyIndex 101)",
    );
  });

  test("deployments are matched on JobSpecModifyIndex (the job's spec index), not JobModifyIndex", () => {
    // Nomad's Deployment.JobModifyIndex is the job's ModifyIndex (NewDeployment in
    // nomad/structs/deployment.go); register answers the spec index.
    const d = { ID: "d", Status: "successful", JobModifyIndex: 40, JobSpecModifyIndex: 38 };
    expect(deploymentFor([d], 40)).toBeUndefined();
    expect(deploymentFor([d], 38)).toBe(d);
  });

  test("how a moved job is described", () => {
    expect(jobMoved(40, { ID: "web", JobModifyIndex: 40, Version: 3 })).toBeUndefined();
    expect(jobMoved(40, undefined)).toBe("the job was purged from Nomad");
    expect(jobMoved(40, { ID: "web", JobModifyIndex: 44, Version: 4, Stop: true })).toBe(
      "the job was stopped in Nomad: it now runs version 4 (JobModifyIndex 44), not the one " +
        "Pulumi registered (JobModifyIndex 40)",
    );
  });
});
