import * as fs from "fs";
import * as path from "path";
import { parse } from "@cdktf/hcl2json";
import { SERVICES } from "../components/mesh/configEntries";
import { MESH_GATEWAY_JOB } from "../components/mesh/gatewayPolicies";
import { readJobspec } from "../components/mesh/jobspecs";

type Block = Record<string, unknown>;
/** hcl2json renders every block as a list; take the single instance. */
const one = (v: unknown): Block => {
  if (!Array.isArray(v) || v.length !== 1)
    throw new Error(`expected one block, got ${JSON.stringify(v)}`);
  return v[0] as Block;
};

async function job(
  file: string,
): Promise<{ name: string; job: Block; variables: Record<string, Block> }> {
  const doc = (await parse(file, readJobspec(file))) as {
    job: Record<string, unknown>;
    variable: Record<string, unknown>;
  };
  const [name, body] = Object.entries(doc.job)[0] as [string, unknown];
  const variables = Object.fromEntries(Object.entries(doc.variable).map(([k, v]) => [k, one(v)]));
  return { name, job: one(body), variables };
}
const group = (j: Block, name: string) => one((j.group as Record<string, unknown>)[name]);

describe("jobspecs parse as HCL2 and say what the program relies on", () => {
  test("every file in jobspecs/ parses", async () => {
    const files = fs
      .readdirSync(path.join(__dirname, "..", "jobspecs"))
      .filter((f) => f.endsWith(".nomad.hcl"));
    expect(files.sort()).toEqual([
      "api-gateway.nomad.hcl",
      "backends.nomad.hcl",
      "frontend.nomad.hcl",
      "mesh-gateway.nomad.hcl",
    ]);
    for (const f of files) await expect(job(f)).resolves.toBeDefined();
  });

  test("mesh gateway: host port 8443, WAN address from a variable, Envoy bound on all addresses", async () => {
    const { name, job: j, variables } = await job("mesh-gateway.nomad.hcl");
    expect(name).toBe("mesh-gateway");
    expect(Object.keys(variables).sort()).toEqual(["datacenter", "port", "wan_address"]);
    expect(variables.port?.default).toBe(8443);
    const g = group(j, "mesh-gateway");
    const net = one(g.network);
    expect(net.mode).toBe("host");
    expect(one((net.port as Block).mesh)).toEqual({ static: "${var.port}" });
    const svc = one(g.service);
    expect(svc).toMatchObject({ name: "mesh-gateway", port: "mesh" });
    expect(one(svc.tagged_addresses)).toEqual({
      wan: "${var.wan_address}",
      wan_ipv4: "${var.wan_address}",
    });
    const gateway = one(one(svc.connect).gateway);
    expect(gateway.mesh).toEqual([{}]);
    const proxy = one(gateway.proxy);
    expect(proxy.envoy_gateway_no_default_bind).toBe(true);
    expect(one((proxy.envoy_gateway_bind_addresses as Block).all)).toEqual({
      address: "0.0.0.0",
      port: "${var.port}",
    });
  });

  test("mesh gateway: job id, namespace and service are exactly what its ACL binding rule selects", async () => {
    const { name, job: j } = await job("mesh-gateway.nomad.hcl");
    expect(name).toBe(MESH_GATEWAY_JOB.id);
    // No namespace attribute: Nomad places the job in "default".
    expect(j.namespace ?? "default").toBe(MESH_GATEWAY_JOB.namespace);
    expect(one(group(j, "mesh-gateway").service).name).toBe(SERVICES.meshGateway);
  });

  test("API gateway: namespace ingress, bridge static port = listener, consul identity, setup + envoy tasks", async () => {
    const { name, job: j, variables } = await job("api-gateway.nomad.hcl");
    expect(name).toBe("api-gateway");
    expect(j.namespace).toBe("${var.namespace}");
    expect(variables.namespace?.default).toBe("ingress");
    expect(Object.keys(variables).sort()).toEqual([
      "consul_ca_pem",
      "consul_image",
      "datacenter",
      "envoy_image",
      "listener_port",
      "namespace",
    ]);
    const g = group(j, "gateway");
    expect(g.consul).toEqual([{}]);
    const net = one(g.network);
    expect(net.mode).toBe("bridge");
    expect(one((net.port as Block).http)).toEqual({
      static: "${var.listener_port}",
      to: "${var.listener_port}",
    });
    const tasks = g.task as Record<string, unknown>;
    expect(Object.keys(tasks).sort()).toEqual(["api", "setup"]);
    const setup = one(tasks.setup);
    expect(one(setup.lifecycle)).toEqual({ hook: "prestart", sidecar: false });
    const args = (one(setup.config).args as string[]).join(" ");
    expect(args).toContain("consul connect envoy -gateway api -register");
    expect(args).toContain("-service ${NOMAD_JOB_NAME}");
    // Issue 10: the node IP is in no certificate; the task verifies the name the client
    // agent's listener certificate carries, and Envoy's xDS uses gRPC TLS.
    expect(one(setup.env)).toMatchObject({
      CONSUL_HTTP_ADDR: "https://${attr.unique.network.ip-address}:8501",
      CONSUL_TLS_SERVER_NAME: "client.${var.datacenter}.consul",
      CONSUL_GRPC_ADDR: "https://${attr.unique.network.ip-address}:8503",
      CONSUL_CACERT: "${NOMAD_SECRETS_DIR}/consul-ca.pem",
      CONSUL_GRPC_CACERT: "${NOMAD_SECRETS_DIR}/consul-ca.pem",
    });
    expect(JSON.stringify(j)).not.toMatch(/SSL_VERIFY|skip_verify/i);
  });

  test("backends: two bridge groups with transparent-proxy sidecars on 9090, counts from variables", async () => {
    const { name, job: j, variables } = await job("backends.nomad.hcl");
    expect(name).toBe("demo-backends");
    expect(Object.keys(variables).sort()).toEqual([
      "datacenter",
      "image",
      "private_replicas",
      "public_replicas",
    ]);
    for (const [grp, countVar] of [
      ["public-api", "public_replicas"],
      ["private-api", "private_replicas"],
    ] as const) {
      const g = group(j, grp);
      expect(g.count).toBe(`\${var.${countVar}}`);
      expect(one(g.network).mode).toBe("bridge");
      const svc = one(g.service);
      expect(svc).toMatchObject({ name: grp, port: "9090" });
      expect(one(one(one(one(svc.connect).sidecar_service).proxy).transparent_proxy)).toEqual({});
      expect(one((g.task as Block)[grp]).env).toEqual([
        expect.objectContaining({ LISTEN_ADDR: "0.0.0.0:9090" }),
      ]);
    }
  });

  test("frontend: front-service on 9090 with transparent proxy and upstreams from a variable", async () => {
    const { name, job: j, variables } = await job("frontend.nomad.hcl");
    expect(name).toBe("front-service");
    expect(Object.keys(variables).sort()).toEqual([
      "datacenter",
      "image",
      "replicas",
      "upstream_uris",
    ]);
    const g = group(j, "frontend");
    const svc = one(g.service);
    expect(svc).toMatchObject({ name: "front-service", port: "9090" });
    expect(one(one(one(one(svc.connect).sidecar_service).proxy).transparent_proxy)).toEqual({});
    expect(one(one((g.task as Block).web).env)).toMatchObject({
      UPSTREAM_URIS: "${var.upstream_uris}",
    });
  });
});

describe("the program passes exactly the variables the jobspecs declare", () => {
  test.each(["dc1", "dc2"])("%s", async (stack) => {
    const { runProgram } = await import("./harness/program");
    const run = await runProgram({ stack });
    if (run.error) throw run.error;
    const jobs = run.graph.all("pulumi-nodejs:dynamic/hashistack:NomadJob");
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    for (const r of jobs) {
      const doc = (await parse("job.hcl", String(r.inputs.jobspec))) as {
        variable: Record<string, unknown>;
      };
      const declared = Object.fromEntries(
        Object.entries(doc.variable).map(([k, v]) => [k, one(v)]),
      );
      const passed = Object.keys(r.inputs.variables as object);
      expect([r.name, passed.filter((k) => !(k in declared))]).toEqual([r.name, []]);
      const required = Object.keys(declared).filter((k) => !("default" in (declared[k] as Block)));
      expect([r.name, required.filter((k) => !passed.includes(k))]).toEqual([r.name, []]);
    }
  });
});
