/**
 * The mesh domain components (components/mesh/): each owns all of its resources, and the
 * edges between them are the exact resources the old code depended on (a `dependsOn` on a
 * component would expand to every custom resource inside it). Also the engine's inheritance
 * of `deletedWith`, which the mock runtime does not apply: a gateway's address and LB must
 * never be deleted with (or replaced with) the server group, so no component is registered
 * with `deletedWith` at all (in-cluster children set it themselves, config/childOptions.ts).
 */
import { frontendUpstreams } from "../components/mesh/jobspecs";
import { ProgramRun, runProgram } from "./harness/program";
import { RecordedResource } from "./harness/recorder";

const T = {
  meshGateway: "hashistack:mesh:MeshGateway",
  apiGateway: "hashistack:mesh:ApiGateway",
  serviceMesh: "hashistack:mesh:ServiceMesh",
  demo: "hashistack:mesh:DemoServices",
  intentions: "hashistack:mesh:ServiceIntentions",
  lb: "hashistack:gcp:PassthroughLoadBalancer",
  network: "hashistack:gcp:Network",
  peering: "hashistack:peering:ClusterPeering",
  address: "gcp:compute/address:Address",
  rule: "gcp:compute/forwardingRule:ForwardingRule",
  job: "pulumi-nodejs:dynamic/hashistack:NomadJob",
  namespace: "pulumi-nodejs:dynamic/hashistack:NomadNamespace",
};

/** The one component of a type. */
function only(run: ProgramRun, type: string): RecordedResource {
  const all = run.graph.all(type);
  expect(all.map((r) => r.name)).toHaveLength(1);
  return all[0] as RecordedResource;
}

/** `type::name` of a component's custom descendants, sorted. */
function customsUnder(run: ProgramRun, c: RecordedResource): string[] {
  return run.graph
    .descendants(c.urn)
    .filter((r) => r.custom)
    .map((r) => `${r.type.split(":").pop() ?? ""}::${r.name}`)
    .sort();
}

/** Names of a resource's direct custom dependencies (components expanded), sorted. */
const deps = (run: ProgramRun, r: RecordedResource) =>
  run.graph
    .customDeps(r)
    .map((d) => d.name)
    .sort();

/**
 * `deletedWith` as the engine applies it: a registration that sets none takes its parent's
 * (pkg/resource/deploy/source_eval.go, inheritFromParent), transitively.
 */
function effectiveDeletedWith(run: ProgramRun, r: RecordedResource): string {
  if (r.deletedWith) return r.deletedWith;
  const parent = run.graph.parentOf(r);
  return parent ? effectiveDeletedWith(run, parent) : "";
}

describe.each(["dc1", "dc2"])("mesh components of %s", (dc) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack: dc });
    if (run.error) throw run.error;
  });

  test("MeshGateway owns its address, LB, ACLs and job; GCE names unchanged", () => {
    const gw = only(run, T.meshGateway);
    expect(gw.name).toBe(`${dc}-mesh-gateway`);
    expect(customsUnder(run, gw)).toEqual(
      [
        `AclBindingRule::${dc}-mesh-gateway-binding-rule`,
        `AclPolicy::${dc}-mesh-gateway-policy`,
        `AclRole::${dc}-mesh-gateway-role`,
        `Address::${dc}-mesh-gateway-ip`,
        `ForwardingRule::${dc}-mesh-gateway-lb-rule`,
        `NomadJob::${dc}-mesh-gateway-job`,
        `RegionBackendService::${dc}-mesh-gateway-lb-backend`,
        `RegionHealthCheck::${dc}-mesh-gateway-lb-hc`,
      ].sort(),
    );
    const lb = run.graph.get(`${dc}-mesh-gateway-lb`, T.lb);
    expect(lb.parent).toBe(gw.urn);
    const address = run.graph.get(`${dc}-mesh-gateway-ip`);
    expect(address.inputs.name).toBe(`${dc}-mesh-gateway`);
    const rule = run.graph.get(`${dc}-mesh-gateway-lb-rule`);
    expect(rule.inputs).toMatchObject({
      name: `${dc}-mesh-gateway`,
      ipAddress: address.outputState.address,
      ports: ["8443"],
    });
    // The LB's backend is the client group passed in.
    expect(deps(run, run.graph.get(`${dc}-mesh-gateway-lb-backend`))).toContain(
      `${dc}-clients-group`,
    );
    expect(run.graph.get(`${dc}-mesh-gateway-job`).inputs.variables).toMatchObject({
      wan_address: address.outputState.address,
    });
  });

  test("Network keeps only the control plane's address", () => {
    const network = only(run, T.network);
    const addresses = run.graph
      .descendants(network.urn)
      .filter((r) => r.type === T.address)
      .map((r) => r.inputs.name);
    expect(addresses).toEqual([`${dc}-control-plane`]);
    // Every address of the stack, by GCE name: the gateways' now live in their components.
    const owners = Object.fromEntries(
      run.graph.all(T.address).map((r) => [String(r.inputs.name), run.graph.parentOf(r)?.type]),
    );
    expect(owners).toEqual({
      [`${dc}-control-plane`]: T.network,
      [`${dc}-mesh-gateway`]: T.meshGateway,
      ...(dc === "dc1" ? { [`${dc}-api-gateway`]: T.apiGateway } : {}),
    });
  });

  test("peering waits for MeshGateway.ready's exact resources: the job, not the address, LB or ACLs", () => {
    const peeringObjects = [
      ...run.graph.all("consul:index/peeringToken:PeeringToken"),
      ...run.graph.all("consul:index/peering:Peering"),
    ];
    expect(peeringObjects).toHaveLength(1);
    for (const p of peeringObjects) {
      expect(deps(run, p)).toEqual([
        `${dc}-consul`,
        `${dc}-mesh-gateway-job`,
        `${dc}-service-mesh-mesh-entry`,
      ]);
    }
  });

  test("ServiceMesh owns workload identity and the mesh-wide entries, not the intentions", () => {
    const mesh = only(run, T.serviceMesh);
    // Not `<dc>-mesh`: a prefix of the mesh gateway's names would mix the two in previews,
    // `--target` lists and name searches.
    expect(mesh.name).toBe(`${dc}-service-mesh`);
    const gatewayNames = run.graph.descendants(only(run, T.meshGateway).urn).map((r) => r.name);
    for (const r of run.graph.descendants(mesh.urn))
      expect([r.name, r.name.startsWith(`${dc}-service-mesh-`)]).toEqual([r.name, true]);
    for (const r of [mesh, ...run.graph.descendants(mesh.urn)])
      expect([r.name, gatewayNames.filter((n) => n.startsWith(r.name))]).toEqual([r.name, []]);
    expect(customsUnder(run, mesh)).toEqual(
      [
        `AclAuthMethod::${dc}-service-mesh-auth-method`,
        `AclBindingRule::${dc}-service-mesh-services-rule`,
        `AclBindingRule::${dc}-service-mesh-tasks-rule`,
        `AclPolicy::${dc}-service-mesh-tasks-policy`,
        `AclRole::${dc}-service-mesh-tasks-role`,
        `ConfigEntry::${dc}-service-mesh-defaults-front-service`,
        `ConfigEntry::${dc}-service-mesh-defaults-private-api`,
        `ConfigEntry::${dc}-service-mesh-defaults-public-api`,
        `ConfigEntry::${dc}-service-mesh-mesh-entry`,
        `ConfigEntry::${dc}-service-mesh-proxy-defaults`,
      ].sort(),
    );
    // Intentions are a top-level component, created after the peering (a cycle otherwise).
    expect(only(run, T.intentions).parent).toBe(run.graph.all("pulumi:pulumi:Stack")[0]?.urn);
  });

  test("intentions naming a peer still wait for the peering objects; local ones do not", () => {
    const peeringObject = dc === "dc1" ? `${dc}-peering-token-dc2` : `${dc}-peering-peering-dc1`;
    for (const dest of ["public-api", "private-api"])
      expect(deps(run, run.graph.get(`${dc}-intentions-${dest}`))).toEqual(
        [`${dc}-consul`, peeringObject].sort(),
      );
    if (dc === "dc1")
      expect(deps(run, run.graph.get(`${dc}-intentions-front-service`))).toEqual([`${dc}-consul`]);
  });

  test("DemoServices owns the demo jobs, which wait for identity and service defaults only", () => {
    const demo = only(run, T.demo);
    const jobs = dc === "dc1" ? ["backends", "frontend"] : ["backends"];
    expect(customsUnder(run, demo)).toEqual(jobs.map((j) => `NomadJob::${dc}-demo-${j}`));
    for (const j of jobs)
      expect(deps(run, run.graph.get(`${dc}-demo-${j}`))).toEqual(
        [
          `${dc}-service-mesh-auth-method`,
          `${dc}-service-mesh-defaults-front-service`,
          `${dc}-service-mesh-defaults-private-api`,
          `${dc}-service-mesh-defaults-public-api`,
          `${dc}-service-mesh-proxy-defaults`,
          `${dc}-service-mesh-services-rule`,
          `${dc}-service-mesh-tasks-rule`,
          `${dc}-readiness`,
        ].sort(),
      );
  });

  test("under the engine's inheritance, no GCP resource is deleted with the server group", () => {
    const group = run.graph.get(`${dc}-servers-group`);
    const gcp = run.graph.all().filter((r) => r.custom && r.type.startsWith("gcp:"));
    expect(gcp.filter((r) => effectiveDeletedWith(run, r)).map((r) => r.name)).toEqual([]);
    // The gateways' in-cluster children still are, explicitly (config/childOptions.ts).
    for (const type of [T.meshGateway, T.apiGateway]) {
      for (const gw of run.graph.all(type)) {
        expect(gw.deletedWith).toBe("");
        const inCluster = run.graph
          .descendants(gw.urn)
          .filter((r) => r.custom && !r.type.startsWith("gcp:"));
        expect(inCluster.length).toBeGreaterThanOrEqual(3);
        for (const r of inCluster) expect([r.name, r.deletedWith]).toEqual([r.name, group.urn]);
      }
    }
  });

  test("no component is registered with deletedWith, so no child can inherit it", () => {
    const components = run.graph.all().filter((r) => !r.custom);
    // The stack, gcp/, cluster/, mesh/ and peering/ components alike.
    expect(components.length).toBeGreaterThan(10);
    expect(components.filter((r) => r.deletedWith).map((r) => `${r.type} ${r.name}`)).toEqual([]);
    // The in-cluster components still take this cluster's Consul provider (its children get
    // it from the SDK: resource.ts hands `providers` down), and the in-cluster children the
    // server group, explicitly.
    const provider = run.graph.get(`${dc}-consul`, "pulumi:providers:consul");
    const group = run.graph.get(`${dc}-servers-group`);
    for (const type of [T.serviceMesh, T.meshGateway, T.demo, T.intentions, T.peering]) {
      const c = only(run, type);
      const children = run.graph.descendants(c.urn).filter((r) => r.custom);
      expect(children.length).toBeGreaterThan(0);
      for (const r of children.filter((x) => x.type.startsWith("consul:")))
        expect([r.name, r.provider.startsWith(`${provider.urn}::`)]).toEqual([r.name, true]);
      for (const r of children.filter((x) => !x.type.startsWith("gcp:")))
        expect([r.name, r.deletedWith]).toEqual([r.name, group.urn]);
    }
  });
});

describe("ApiGateway exists only with frontend replicas", () => {
  test("dc2 without a frontend: no ApiGateway, and no API gateway address, LB or namespace", async () => {
    const run = await runProgram({ stack: "dc2" });
    if (run.error) throw run.error;
    expect(run.graph.all(T.apiGateway)).toEqual([]);
    expect(run.graph.all(T.namespace)).toEqual([]);
    const gceNames = [...run.graph.all(T.address), ...run.graph.all(T.rule)].map(
      (r) => r.inputs.name,
    );
    expect(gceNames).not.toContain("dc2-api-gateway");
    expect(run.graph.has("dc2-api-gateway-lb", T.lb)).toBe(false);
    expect(run.plainOutputs.apiGatewayUrl).toBeUndefined();
  });

  test("dc2 with a frontend: ApiGateway owns address, LB, namespace, rule, job and entries", async () => {
    const run = await runProgram({
      stack: "dc2",
      config: { "hashistack:frontendReplicas": 1 },
    });
    if (run.error) throw run.error;
    const gw = only(run, T.apiGateway);
    expect(gw.name).toBe("dc2-api-gateway");
    expect(customsUnder(run, gw)).toEqual(
      [
        "AclBindingRule::dc2-api-gateway-binding-rule",
        "Address::dc2-api-gateway-ip",
        "ConfigEntry::dc2-api-gateway-entry",
        "ConfigEntry::dc2-api-gateway-route",
        "ForwardingRule::dc2-api-gateway-lb-rule",
        "NomadJob::dc2-api-gateway-job",
        "NomadNamespace::dc2-api-gateway-namespace",
        "RegionBackendService::dc2-api-gateway-lb-backend",
        "RegionHealthCheck::dc2-api-gateway-lb-hc",
      ].sort(),
    );
    const address = run.graph.get("dc2-api-gateway-ip");
    expect(address.inputs.name).toBe("dc2-api-gateway");
    expect(run.graph.get("dc2-api-gateway-lb-rule").inputs).toMatchObject({
      name: "dc2-api-gateway",
      ipAddress: address.outputState.address,
      ports: ["8080"],
    });
    expect(run.plainOutputs.apiGatewayUrl).toBe(
      `http://${String(address.outputState.address)}:8080`,
    );
    // The job waits for the identity, its namespace and its binding rule, nothing else.
    expect(deps(run, run.graph.get("dc2-api-gateway-job"))).toEqual(
      [
        "dc2-api-gateway-binding-rule",
        "dc2-api-gateway-namespace",
        "dc2-service-mesh-auth-method",
        "dc2-service-mesh-services-rule",
        "dc2-service-mesh-tasks-rule",
        "dc2-readiness",
      ].sort(),
    );
  });
});

describe("mesh helpers", () => {
  test("frontend upstreams: both local backends, then private-api in each peer given", () => {
    expect(frontendUpstreams([])).toBe(
      "http://public-api.virtual.consul,http://private-api.virtual.consul",
    );
    expect(frontendUpstreams(["dc2-default", "dc3-default"])).toBe(
      "http://public-api.virtual.consul,http://private-api.virtual.consul," +
        "http://private-api.virtual.dc2-default.peer.consul," +
        "http://private-api.virtual.dc3-default.peer.consul",
    );
  });
});
