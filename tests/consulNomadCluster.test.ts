/**
 * ConsulNomadCluster in the whole program: what it owns, what the readiness gate waits for,
 * the provider and server group it hands to in-cluster objects, and the connections it
 * exposes.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ConsulNomadCluster } from "../components/cluster/consulNomadCluster";
import { ProgramRun, runProgram } from "./harness/program";
import { RecordedResource, unwrapSecrets } from "./harness/recorder";

/**
 * The program's ConsulNomadCluster instances, to read the members it exposes: the registered
 * component outputs hold no connection (the tokens stay out of the component's state). The
 * class is the real one; the subclass only records `this`.
 */
const mockClusters: ConsulNomadCluster[] = [];
jest.mock("../components/cluster/consulNomadCluster", () => {
  const actual = jest.requireActual<{ ConsulNomadCluster: typeof ConsulNomadCluster }>(
    "../components/cluster/consulNomadCluster",
  );
  class Recorded extends actual.ConsulNomadCluster {
    constructor(...args: ConstructorParameters<typeof ConsulNomadCluster>) {
      super(...args);
      mockClusters.push(this);
    }
  }
  return { ...actual, ConsulNomadCluster: Recorded };
});

/** An Output's value, once the run has resolved it. */
const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

const CLUSTER = "hashistack:cluster:ConsulNomadCluster";
const NODE_GROUP = "hashistack:gcp:NodeGroup";
const LB = "hashistack:gcp:PassthroughLoadBalancer";
const GATE = "pulumi-nodejs:dynamic/hashistack:ReadinessGate";
const CONSUL_PROVIDER = "pulumi:providers:consul";
const JOB = "pulumi-nodejs:dynamic/hashistack:NomadJob";

describe.each(["dc1", "dc2"])("ConsulNomadCluster of %s", (stack) => {
  let run: ProgramRun;
  let cluster: RecordedResource;
  let instance: ConsulNomadCluster;
  const get = (name: string, type?: string) => run.graph.get(name, type);
  beforeAll(async () => {
    mockClusters.length = 0;
    run = await runProgram({ stack });
    if (run.error) throw run.error;
    cluster = get(stack, CLUSTER);
    expect(mockClusters).toHaveLength(1);
    instance = mockClusters[0] as ConsulNomadCluster;
  });

  test("owns both node groups, the control-plane LB, the gate and the Consul provider", () => {
    const children = run.graph
      .all()
      .filter((r) => r.parent === cluster.urn)
      .map((r) => `${r.type} ${r.name}`)
      .sort();
    expect(children).toEqual(
      [
        `${NODE_GROUP} ${stack}-servers`,
        `${NODE_GROUP} ${stack}-clients`,
        `${LB} ${stack}-control-plane`,
        `${GATE} ${stack}-readiness`,
        `${CONSUL_PROVIDER} ${stack}-consul`,
      ].sort(),
    );
    // The cluster sits directly under the stack; of the LBs it holds only the control
    // plane's (the gateway LBs belong to the mesh).
    expect(run.graph.parentOf(cluster)?.type).toBe("pulumi:pulumi:Stack");
    const inside = run.graph.descendants(cluster.urn);
    expect(inside.filter((r) => r.type === LB).map((r) => r.name)).toEqual([
      `${stack}-control-plane`,
    ]);
    expect(run.graph.all(LB).length).toBeGreaterThan(1);
  });

  test("the gate waits directly for every resource of both groups and the control-plane LB", () => {
    const gate = get(`${stack}-readiness`, GATE);
    const owned = [`${stack}-servers`, `${stack}-clients`, `${stack}-control-plane`].flatMap(
      (name) =>
        run.graph
          .descendants(run.graph.get(name).urn)
          .filter((r) => r.custom)
          .map((r) => r.name),
    );
    // template, autoheal check, MIG per group; check, backend, rule for the LB
    expect(owned).toHaveLength(9);
    const deps = run.graph.customDeps(gate).map((r) => r.name);
    expect(deps.filter((n) => owned.includes(n)).sort()).toEqual([...owned].sort());
    // Besides them only what its inputs come from: the CA and the two management tokens.
    expect(deps.filter((n) => !owned.includes(n)).sort()).toEqual(
      [`${stack}-ca`, `${stack}-consul-management-token`, `${stack}-nomad-management-token`].sort(),
    );
  });

  test("in-cluster objects use this cluster's Consul provider and are deleted with the server group", () => {
    const provider = get(`${stack}-consul`, CONSUL_PROVIDER);
    const group = get(`${stack}-servers-group`);
    const consulObjects = run.graph.all().filter((r) => r.custom && r.type.startsWith("consul:"));
    expect(consulObjects.length).toBeGreaterThan(10);
    for (const r of consulObjects) {
      expect([r.name, r.provider.startsWith(`${provider.urn}::`)]).toEqual([r.name, true]);
      expect([r.name, r.deletedWith]).toEqual([r.name, group.urn]);
    }
    // Nomad objects bring their own connection and take the cluster's deletedWith alone.
    const jobs = run.graph.all(JOB);
    expect(jobs.length).toBeGreaterThan(0);
    for (const r of jobs) expect([r.name, r.deletedWith]).toEqual([r.name, group.urn]);
    // So does the gate; the provider itself is no Raft object.
    expect(get(`${stack}-readiness`, GATE).deletedWith).toBe(group.urn);
    expect(provider.deletedWith ?? "").toBe("");
  });

  test("exposes the gate's verified Consul and Nomad connections; the tokens stay secret", async () => {
    const caCertPem = run.plainOutputs.caCertPem;
    const tokens = [run.plainOutputs.consulToken, run.plainOutputs.nomadToken];
    for (const token of tokens) expect(typeof token).toBe("string");
    for (const [conn, url, token] of [
      [instance.consul, run.plainOutputs.consulUrl, tokens[0]],
      [instance.nomad, run.plainOutputs.nomadUrl, tokens[1]],
    ] as const) {
      expect(await valueOf(conn.address)).toBe(url);
      expect(await valueOf(conn.caPem)).toBe(caCertPem);
      expect(await valueOf(conn.token)).toBe(token);
      expect(await pulumi.isSecret(conn.token)).toBe(true);
    }
    expect(await valueOf(instance.caPem)).toBe(caCertPem);
    // Flat members: the server group in-cluster children are deleted with, and the provider.
    expect(await valueOf(instance.serverGroup.urn)).toBe(get(`${stack}-servers-group`).urn);
    expect(await valueOf(instance.consulProvider.urn)).toBe(get(`${stack}-consul`).urn);

    // The component's state holds the URLs and the client group only: no token, no CA.
    const wire = cluster.outputs ?? {};
    // (clientInstanceGroup too, which the mock leaves unset: an unset output is not sent.)
    const registeredKeys = ["clientInstanceGroup", "consulUrl", "nomadUrl"];
    expect(Object.keys(wire).filter((k) => !registeredKeys.includes(k))).toEqual([]);
    const registered = JSON.stringify(unwrapSecrets(wire));
    for (const token of tokens) expect(registered).not.toContain(token);
    // The URLs are the control-plane LB's address, Consul on 8501 and Nomad on 4646.
    const ip = String(get(`${stack}-control-plane-rule`).outputState.ipAddress);
    expect([wire.consulUrl, wire.nomadUrl]).toEqual([`https://${ip}:8501`, `https://${ip}:4646`]);
    expect([await valueOf(instance.consulUrl), await valueOf(instance.nomadUrl)]).toEqual([
      wire.consulUrl,
      wire.nomadUrl,
    ]);
  });

  test("backends: the control plane on the server group; on the client group only LBs outside it", () => {
    const inside = new Set(run.graph.descendants(cluster.urn).map((r) => r.urn));
    const backends = run.graph.all("gcp:compute/regionBackendService:RegionBackendService");
    const on = (group: string) =>
      backends.filter((b) => run.graph.dependsOn(b, get(group), { direct: true }));
    expect(on(`${stack}-servers-group`).map((b) => b.name)).toEqual([
      `${stack}-control-plane-backend`,
    ]);
    // The mesh gateway's always, the API gateway's when the frontend runs (dc1).
    const onClients = on(`${stack}-clients-group`);
    expect(onClients).toHaveLength(stack === "dc1" ? 2 : 1);
    for (const b of onClients) expect([b.name, inside.has(b.urn)]).toEqual([b.name, false]);
  });
});
