/**
 * Resource lifecycle options as the engine will see them: `deletedWith` the server group on
 * every in-cluster object (so `pulumi destroy` needs no healthy cluster), the ACTIVE wait
 * replaced with its Peering, and `protect` on exactly the CA key and the server group.
 *
 * Engine behaviour relied on (pulumi/pulumi, pkg/resource/deploy): DeleteStep.Apply skips the
 * provider's Delete when the resource's DeletedWith URN is deleted in the same operation
 * (step.go, isDeletedWith); a ReplaceWith resource being replaced replaces the dependent too
 * (step_generator.go), and so does a DeletedWith one, but only from CLI 3.260
 * (pulumi/pulumi#23818, merged after 3.259.0: an older engine keeps the dependent in state
 * though its cluster is gone; components/config/cliRequirement.ts, README Prerequisites); a protected
 * resource is neither deleted (step.go, deleteProtectedError) nor replaced (step_generator.go,
 * "unable to replace resource").
 */
import * as fs from "fs";
import * as path from "path";
import { MIN_PULUMI_CLI } from "../components/config/cliRequirement";
import { ProgramRun, ROOT, runProgram } from "./harness/program";
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
  expect(run.graph.get("dc1-mesh-gateway-job").deletedWith).toBe(group.urn);
});

describe("README requires the CLI these options need", () => {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const minor = (v: string) => Number(v.split(".")[1]);

  test(`Prerequisites name ${MIN_PULUMI_CLI}, with the deletedWith cascade's PR`, () => {
    const prerequisites = readme.slice(readme.indexOf("### Prerequisites"));
    const item = /^- The Pulumi CLI, ([\d.]+) or newer: ([^]*?)\n- /m.exec(prerequisites);
    expect(item?.[1]).toBe(MIN_PULUMI_CLI.replace(/\.0$/, ""));
    expect(item?.[2]).toContain("pulumi/pulumi#23818");
    expect(item?.[2]).toContain("`replaceWith`");
  });

  test("no sentence of README asks for an older CLI", () => {
    const asked = [...readme.matchAll(/(?:Pulumi )?CLI,? (3\.\d+)(?:\.\d+)? or newer/g)].map(
      (m) => m[1] as string,
    );
    expect(asked.length).toBeGreaterThan(1);
    expect(asked.filter((v) => minor(v) < minor(MIN_PULUMI_CLI))).toEqual([]);
  });

  test("Teardown order says what an older CLI leaves and how to recover", () => {
    const teardown = readme
      .slice(readme.indexOf("### Teardown order"), readme.indexOf("## Runbook"))
      .replace(/\s+/g, " ");
    expect(teardown).toContain("That cascade exists from Pulumi CLI 3.260 (pulumi/pulumi#23818)");
    expect(teardown).toContain(
      "`pulumi refresh -s <dc>` (it finds them gone) then `pulumi up -s <dc>` recreates them",
    );
  });

  test("Troubleshooting quotes the engine's refusals of protected resources", () => {
    const table = readme.slice(readme.indexOf("### Troubleshooting"));
    // step_generator.go: a replacement; step.go deleteProtectedError: a delete.
    expect(table).toContain('| "unable to replace resource ... marked for protection"');
    expect(table).toContain('| "... cannot be deleted because it is protected"');
  });
});
