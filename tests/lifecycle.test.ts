/**
 * Resource lifecycle options as the engine will see them: `deletedWith` the server group on
 * every in-cluster object (so `pulumi destroy` needs no healthy cluster), the ACTIVE wait
 * replaced with its Peering, and `protect` on exactly the CA key and the server group.
 *
 * Engine behaviour relied on (pulumi/pulumi, pkg/resource/deploy): DeleteStep.Apply skips the
 * provider's Delete when the resource's DeletedWith URN is deleted in the same operation
 * (step.go, isDeletedWith); a DeletedWith or ReplaceWith resource being replaced replaces the
 * dependent too (step_generator.go); a protected resource is neither deleted (step.go,
 * deleteProtectedError) nor replaced (step_generator.go, "unable to replace resource").
 */
import { ProgramRun, runProgram } from "./harness/program";
import { RecordedResource } from "./harness/recorder";

/** Our dynamic resources that talk to GCP, not to the cluster (the deployer's preflight). */
const OUTSIDE_CLUSTER = ["pulumi-nodejs:dynamic/hashistack:Preflight"];

/** Objects that live in the cluster's Raft state: Consul objects and our other dynamic resources. */
const inCluster = (r: RecordedResource) =>
  r.custom &&
  !OUTSIDE_CLUSTER.includes(r.type) &&
  (r.type.startsWith("consul:index/") || r.type.startsWith("pulumi-nodejs:dynamic/hashistack:"));
const kind = (r: RecordedResource) => r.type.split(":").pop();

describe.each([
  [
    "dc1",
    [
      "AclAuthMethod",
      "AclBindingRule",
      "AclPolicy",
      "AclRole",
      "ConfigEntry",
      "ConfigEntryServiceIntentions",
      "NomadJob",
      "NomadNamespace",
      "PeeringToken",
      "ReadinessGate",
    ],
  ],
  [
    "dc2",
    [
      "AclAuthMethod",
      "AclBindingRule",
      "AclPolicy",
      "AclRole",
      "ConfigEntry",
      "ConfigEntryServiceIntentions",
      "NomadJob",
      "Peering",
      "PeeringWait",
      "ReadinessGate",
    ],
  ],
])("lifecycle of %s", (stack, kinds) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack });
    if (run.error) throw run.error;
  });

  test("every in-cluster object is deleted with the server group, and nothing else is", () => {
    const group = run.graph.get(`${stack}-servers-group`);
    const objects = run.graph.all().filter(inCluster);
    expect([...new Set(objects.map(kind))].sort()).toEqual(kinds);
    const notWithGroup = objects.filter((r) => r.deletedWith !== group.urn).map((r) => r.name);
    expect(notWithGroup).toEqual([]);
    // GCP, TLS and random resources are deleted by their own providers, cluster or not.
    const others = run.graph.all().filter((r) => r.custom && !inCluster(r) && r.deletedWith);
    expect(others.map((r) => r.name)).toEqual([]);
  });

  test("protect: the CA key and the server group only; retainOnDelete nowhere", () => {
    const protectedNames = run.graph
      .all()
      .filter((r) => r.protect)
      .map((r) => r.name)
      .sort();
    expect(protectedNames).toEqual([`${stack}-ca-key`, `${stack}-servers-group`]);
    expect(run.graph.all().filter((r) => r.retainOnDelete)).toEqual([]);
  });
});

test("the ACTIVE wait is replaced whenever its Peering is", async () => {
  const run = await runProgram({ stack: "dc2" });
  if (run.error) throw run.error;
  const wait = run.graph.get("dc2-peering-active-dc1");
  const peering = run.graph.get("dc2-peering-peering-dc1");
  expect(wait.replaceWith).toEqual([peering.urn]);
  expect(run.graph.dependsOn(wait, peering, { direct: true })).toBe(true);
});

test("protectCluster false leaves nothing protected (a deliberate destroy)", async () => {
  const run = await runProgram({ stack: "dc1", config: { "hashistack:protectCluster": false } });
  if (run.error) throw run.error;
  expect(run.graph.all().filter((r) => r.protect)).toEqual([]);
  // deletedWith is unchanged: it is what lets that destroy skip the in-cluster deletes.
  const group = run.graph.get("dc1-servers-group");
  expect(run.graph.get("dc1-workloads-mesh-gateway").deletedWith).toBe(group.urn);
});
