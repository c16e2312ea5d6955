import { ProgramRun, runProgram } from "./harness/program";
import { isSecretOnWire, RecordedResource } from "./harness/recorder";

const JOB = "pulumi-nodejs:dynamic/hashistack:NomadJob";
const NS = "pulumi-nodejs:dynamic/hashistack:NomadNamespace";
const GATE = "pulumi-nodejs:dynamic/hashistack:ReadinessGate";

function inCluster(run: ProgramRun): RecordedResource[] {
  return run.graph
    .all()
    .filter(
      (r) => r.custom && (r.type.startsWith("consul:index/") || r.type === JOB || r.type === NS),
    );
}

describe.each(["dc1", "dc2"])("in-cluster objects of %s", (stack) => {
  let run: ProgramRun;
  const get = (name: string) => run.graph.get(`${stack}-${name}`);
  beforeAll(async () => {
    run = await runProgram({ stack });
    if (run.error) throw run.error;
  });

  test("every Consul and Nomad object depends on the readiness gate", () => {
    const gate = run.graph.all(GATE)[0] as RecordedResource;
    const objects = inCluster(run);
    expect(objects.length).toBeGreaterThan(10);
    for (const r of objects) expect([r.name, run.graph.dependsOn(r, gate)]).toEqual([r.name, true]);
  });

  test("the Consul provider verifies TLS with our CA, from the gate's outputs", () => {
    const p = run.graph.get(`${stack}-consul`, "pulumi:providers:consul");
    expect(p.inputs).toMatchObject({ scheme: "https", datacenter: stack });
    expect(p.inputs.insecureHttps).toBeUndefined();
    expect(p.inputs.caPem).toEqual(run.plainOutputs.caCertPem);
    expect(p.inputs.address).toBe(String(run.plainOutputs.consulUrl).replace("https://", ""));
    expect(isSecretOnWire(p.wireInputs, "token")).toBe(true);
    expect(
      run.graph.dependsOn(p, run.graph.all(GATE)[0] as RecordedResource, { direct: true }),
    ).toBe(true);
  });

  test("name-keyed Consul and Nomad objects replace delete-first", () => {
    for (const r of inCluster(run)) expect([r.name, r.deleteBeforeReplace]).toEqual([r.name, true]);
  });

  test("workload identity: JWT auth method on the colocated Nomad JWKS, CA pinned, rules as nomad setup consul", () => {
    const method = get("service-mesh-auth-method");
    expect(method.inputs).toMatchObject({
      name: "nomad-workloads",
      type: "jwt",
      tokenLocality: "local",
    });
    expect(JSON.parse(String(method.inputs.configJson))).toEqual({
      BoundAudiences: ["consul.io"],
      ClaimMappings: {
        nomad_job_id: "nomad_job_id",
        nomad_namespace: "nomad_namespace",
        nomad_service: "nomad_service",
        nomad_task: "nomad_task",
      },
      JWKSCACert: run.plainOutputs.caCertPem,
      JWKSURL: "https://127.0.0.1:4646/.well-known/jwks.json",
      JWTSupportedAlgs: ["RS256"],
    });
    expect(get("service-mesh-services-rule").inputs).toMatchObject({
      authMethod: "nomad-workloads",
      bindType: "service",
      bindName: "${value.nomad_service}",
      selector: '"nomad_service" in value',
    });
    expect(get("service-mesh-tasks-rule").inputs).toMatchObject({
      bindType: "role",
      bindName: "nomad-${value.nomad_namespace}-tasks",
      selector: '"nomad_service" not in value',
    });
    expect(get("service-mesh-tasks-role").inputs).toMatchObject({
      name: "nomad-default-tasks",
    });
    // Issue 10: default-namespace tasks read KV under their namespace's prefix only.
    expect(JSON.parse(String(get("service-mesh-tasks-policy").inputs.rules))).toEqual({
      key_prefix: { "nomad-tasks/default/": { policy: "read" } },
      node_prefix: { "": { policy: "read" } },
      service_prefix: { "": { policy: "read" } },
    });
  });

  test("mesh gateway ACLs exist and the mesh gateway job waits for them and the identity rules", () => {
    const rule = get("mesh-gateway-binding-rule");
    expect(rule.inputs).toMatchObject({
      bindType: "role",
      bindName: "mesh-gateway-role",
      // Issue 10: only the mesh-gateway job in namespace default gets mesh:write.
      selector:
        'value.nomad_service=="mesh-gateway" and value.nomad_namespace=="default" and value.nomad_job_id=="mesh-gateway"',
    });
    expect(JSON.parse(String(get("mesh-gateway-policy").inputs.rules))).toEqual({
      mesh: "write",
      peering: "read",
      service_prefix: { "": { policy: "read" } },
    });
    const job = get("mesh-gateway-job");
    for (const dep of [
      "mesh-gateway-binding-rule",
      "mesh-gateway-role",
      "mesh-gateway-policy",
      "service-mesh-auth-method",
      "service-mesh-services-rule",
      "service-mesh-tasks-rule",
    ]) {
      expect([dep, run.graph.dependsOn(job, get(dep), { direct: true })]).toEqual([dep, true]);
    }
    expect(job.inputs.variables).toEqual({
      datacenter: stack,
      port: "8443",
      wan_address: run.graph.get(`${stack}-mesh-gateway-ip`).outputState.address,
    });
    expect(job.inputs).toMatchObject({ waitHealthy: true });
    expect(isSecretOnWire(job.wireInputs, "token")).toBe(true);
  });

  test("agent and DNS tokens: each role writes only its own nodes, DNS only reads", () => {
    const script = String(
      (run.graph.get(`${stack}-servers-template`).inputs.metadata as Record<string, string>)[
        "startup-script"
      ],
    );
    const policy = (name: string): Record<string, unknown> => {
      const m = new RegExp(
        `write_file /etc/hashistack/policies/${name}\\.json [^\\n]*<<'JSON'\\n([\\s\\S]*?)\\nJSON\\n`,
      ).exec(script);
      if (!m?.[1]) throw new Error(`no policy ${name} in the server script`);
      return JSON.parse(m[1]) as Record<string, unknown>;
    };
    for (const role of ["server", "client"] as const) {
      // Consul's node name is the hostname = the MIG's instance name <baseInstanceName>-xxxx.
      const base = String(run.graph.get(`${stack}-${role}s-group`).inputs.baseInstanceName);
      expect(policy(`hashistack-${role}-agent`)).toEqual({
        node_prefix: { [`${base}-`]: { policy: "write" } },
        service_prefix: { "": { policy: "read" } },
      });
    }
    expect(policy("hashistack-dns")).toEqual({
      node_prefix: { "": { policy: "read" } },
      service_prefix: { "": { policy: "read" } },
      query_prefix: { "": { policy: "read" } },
    });
    // Every policy the script writes is created, and no rule anywhere grants node_prefix ""
    // write (the one token on every VM this replaced).
    const written = [...script.matchAll(/write_file \/etc\/hashistack\/policies\/([\w-]+)\.json/g)]
      .map((m) => m[1])
      .sort();
    const loop = /for policy in ([\w\s\\-]+); do/.exec(script)?.[1] ?? "";
    expect(
      loop
        .split(/[\s\\]+/)
        .filter(Boolean)
        .sort(),
    ).toEqual(written);
    expect(script).not.toMatch(/"node_prefix": \{\s*"": \{\s*"policy": "write"/);
    expect(script).toContain('"agent": "%s", "dns": "%s"');
  });

  test("mesh config entries: proxy-defaults, mesh, service-defaults with exact fields", () => {
    const entry = (name: string) => {
      const r = get(`service-mesh-${name}`);
      return {
        kind: r.inputs.kind,
        name: r.inputs.name,
        config: JSON.parse(String(r.inputs.configJson)) as unknown,
      };
    };
    expect(entry("proxy-defaults")).toEqual({
      kind: "proxy-defaults",
      name: "global",
      config: { Config: { protocol: "http" }, MeshGateway: { Mode: "local" } },
    });
    expect(entry("mesh-entry")).toEqual({
      kind: "mesh",
      name: "mesh",
      config: { Peering: { PeerThroughMeshGateways: true } },
    });
    for (const svc of ["front-service", "public-api", "private-api"]) {
      expect(entry(`defaults-${svc}`)).toEqual({
        kind: "service-defaults",
        name: svc,
        config: { Protocol: "http" },
      });
    }
  });

  test("independent branches stay parallel", () => {
    const backends = get("demo-backends");
    const meshJob = get("mesh-gateway-job");
    expect(run.graph.dependsOn(backends, meshJob)).toBe(false);
    expect(run.graph.dependsOn(meshJob, backends)).toBe(false);
    expect(
      run.graph.dependsOn(get("service-mesh-mesh-entry"), get("service-mesh-auth-method")),
    ).toBe(false);
    expect(
      run.graph.dependsOn(get("service-mesh-auth-method"), get("service-mesh-mesh-entry")),
    ).toBe(false);
    // Consul objects never wait for a job, except the peering chain, which waits for the
    // mesh gateway only (tokens carry its address): never for backends, frontend or API gateway.
    const meshJob2 = get("mesh-gateway-job");
    const peeringChain = /-(peering-|intentions-(public|private)-api)/;
    for (const r of inCluster(run).filter((x) => x.type.startsWith("consul:"))) {
      const jobs = run.graph
        .all(JOB)
        .filter((j) => run.graph.dependsOn(r, j))
        .map((j) => j.name);
      expect([r.name, jobs]).toEqual([r.name, peeringChain.test(r.name) ? [meshJob2.name] : []]);
    }
  });

  test("backends: replica counts from config, after service defaults", () => {
    const backends = get("demo-backends");
    expect(backends.inputs.variables).toEqual({
      datacenter: stack,
      public_replicas: stack === "dc1" ? "2" : "1",
      private_replicas: stack === "dc1" ? "2" : "1",
    });
    expect(
      run.graph.dependsOn(backends, get("service-mesh-proxy-defaults"), { direct: true }),
    ).toBe(true);
  });
});

describe("API gateway and intentions", () => {
  test("dc1: ingress namespace, templated-policy rule, gateway entry, route, intentions", async () => {
    const run = await runProgram({ stack: "dc1" });
    if (run.error) throw run.error;
    const get = (name: string) => run.graph.get(`dc1-${name}`);
    expect(get("api-gateway-namespace").inputs).toMatchObject({ name: "ingress" });
    expect(get("api-gateway-binding-rule").inputs).toMatchObject({
      bindType: "templated-policy",
      bindName: "builtin/api-gateway",
      bindVars: { name: "${value.nomad_job_id}" },
      selector: '"nomad_service" not in value and value.nomad_namespace==ingress',
    });
    const job = get("api-gateway-job");
    expect(run.graph.dependsOn(job, get("api-gateway-namespace"), { direct: true })).toBe(true);
    expect(run.graph.dependsOn(job, get("api-gateway-binding-rule"), { direct: true })).toBe(true);
    expect(job.inputs.variables).toMatchObject({
      namespace: "ingress",
      listener_port: "8080",
      consul_image: "hashicorp/consul:1.22.6",
    });

    const gw = get("api-gateway-entry");
    expect([gw.inputs.kind, gw.inputs.name, JSON.parse(String(gw.inputs.configJson))]).toEqual([
      "api-gateway",
      "api-gateway",
      { Listeners: [{ Hostname: "*", Name: "http", Port: 8080, Protocol: "http" }] },
    ]);
    const route = get("api-gateway-route");
    expect([
      route.inputs.kind,
      route.inputs.name,
      JSON.parse(String(route.inputs.configJson)),
    ]).toEqual([
      "http-route",
      "front-service",
      {
        Parents: [{ Kind: "api-gateway", Name: "api-gateway", SectionName: "http" }],
        Rules: [
          {
            Matches: [{ Path: { Match: "prefix", Value: "/" } }],
            Services: [{ Name: "front-service" }],
          },
        ],
      },
    ]);
    expect(run.graph.dependsOn(route, gw, { direct: true })).toBe(true);

    const sources = (dest: string) => get(`intentions-${dest}`).inputs.sources;
    expect(get("intentions-front-service").inputs.name).toBe("front-service");
    expect(sources("front-service")).toEqual([{ name: "api-gateway", action: "allow" }]);
    for (const dest of ["public-api", "private-api"]) {
      expect(sources(dest)).toEqual([
        { name: "front-service", action: "allow" },
        { name: "front-service", action: "allow", peer: "dc2-default" },
      ]);
    }
    expect(get("demo-frontend").inputs.variables).toMatchObject({
      upstream_uris:
        "http://public-api.virtual.consul,http://private-api.virtual.consul,http://private-api.virtual.dc2-default.peer.consul",
    });
  });

  test("dc2 (no frontend): no API gateway objects, backend intentions from the peer only", async () => {
    const run = await runProgram({ stack: "dc2" });
    if (run.error) throw run.error;
    for (const name of [
      "api-gateway-namespace",
      "api-gateway-binding-rule",
      "api-gateway-job",
      "demo-frontend",
      "api-gateway-entry",
      "intentions-front-service",
    ]) {
      expect([name, run.graph.has(`dc2-${name}`)]).toEqual([name, false]);
    }
    expect(run.graph.get("dc2-intentions-public-api").inputs.sources).toEqual([
      { name: "front-service", action: "allow", peer: "dc1-default" },
    ]);
  });
});
