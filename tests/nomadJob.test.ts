import * as pulumi from "@pulumi/pulumi";
import { ApiError } from "../components/nomad/apiClient";
import { UNKNOWN, renderVariables } from "../components/nomad/nomadApi";
import { waitForDeployment } from "../components/nomad/nomadDeployment";
import { NomadJobInputs, NomadJobOutputs, nomadJobProvider } from "../components/nomad/nomadJob";
import { nomadNamespaceProvider } from "../components/nomad/nomadNamespace";
import { FakeApi, Route, sequence, startFakeApi, tlsFixtures } from "./harness/fakeApi";
import { NOMAD_TOKEN, jobInputs, nomadConn } from "./harness/jobInputs";

const HCL = 'job "mesh-gateway" {\n  # a comment\n  group "g" {}\n}\n';

/** A fake Nomad that parses `job "<id>"` and `namespace = "<ns>"` out of the HCL like the real parser would. */
function nomadRoutes(over: Record<string, Route> = {}): Record<string, Route> {
  let index = 10;
  return {
    "POST /v1/jobs/parse": (r) => {
      const body = JSON.parse(r.body) as {
        JobHCL: string;
        Variables: string;
        Canonicalize: boolean;
      };
      const id = /job "([^"]+)"/.exec(body.JobHCL)?.[1];
      const ns = /namespace\s*=\s*"([^"]+)"/.exec(body.JobHCL)?.[1] ?? "default";
      return {
        status: 200,
        body: { ID: id, Name: id, Namespace: ns, Type: "service", Meta: { vars: body.Variables } },
      };
    },
    "POST /v1/jobs": () => ({ status: 200, body: { EvalID: "e1", JobModifyIndex: ++index } }),
    "GET /v1/job/mesh-gateway": () => ({
      status: 200,
      body: { ID: "mesh-gateway", Namespace: "default", Stop: false, JobModifyIndex: index },
    }),
    // Deployments carry the spec index as JobSpecModifyIndex; their JobModifyIndex is the
    // job's ModifyIndex (nomad/structs/deployment.go, NewDeployment), set apart here.
    "GET /v1/job/mesh-gateway/deployments": () => ({
      status: 200,
      body: [{ ID: "d1", Status: "successful", JobSpecModifyIndex: index, JobModifyIndex: 999 }],
    }),
    "POST /v1/job/mesh-gateway/plan": () => ({ status: 200, body: { Diff: { Type: "None" } } }),
    "DELETE /v1/job/mesh-gateway": () => ({ status: 200, body: { EvalID: "e2" } }),
    ...over,
  };
}

describe("Nomad job provider against a local Nomad-like HTTPS server", () => {
  let api: FakeApi;
  const inputs = (over: Partial<NomadJobInputs> = {}) => jobInputs(api, { jobspec: HCL, ...over });
  afterEach(async () => api.close());

  test("create parses with the variables, registers with the submission, reads the job's spec index, waits for a healthy deployment", async () => {
    api = await startFakeApi(nomadRoutes());
    const res = await nomadJobProvider.create(inputs());
    expect(res.id).toBe("mesh-gateway@default");
    expect(res.outs).toMatchObject({
      jobId: "mesh-gateway",
      namespace: "default",
      jobModifyIndex: 11,
      deploymentId: "d1",
    });
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/jobs/parse",
      "POST /v1/jobs?namespace=default",
      // Register answers ModifyIndex for an unchanged spec; the wait needs JobModifyIndex.
      "GET /v1/job/mesh-gateway?namespace=default",
      // The deployment of exactly the registered spec (JobSpecModifyIndex), not the latest.
      "GET /v1/job/mesh-gateway/deployments?namespace=default",
    ]);
    expect(api.requests.every((r) => r.token === NOMAD_TOKEN)).toBe(true);
  });

  test("unchanged inputs: no diff and no API call", async () => {
    api = await startFakeApi(nomadRoutes());
    const created = (await nomadJobProvider.create(inputs())).outs as NomadJobOutputs;
    const before = api.requests.length;
    const diff = await nomadJobProvider.diff!("mesh-gateway@default", created, inputs());
    expect(diff).toEqual({ changes: false, replaces: [] });
    expect(api.requests.length).toBe(before);
  });

  test("a comment-only edit is not a change (Nomad's planner says None); a real edit is", async () => {
    api = await startFakeApi(
      nomadRoutes({
        "POST /v1/job/mesh-gateway/plan": sequence(
          { status: 200, body: { Diff: { Type: "None" } } },
          { status: 200, body: { Diff: { Type: "Edited" } } },
        ),
      }),
    );
    const created = (await nomadJobProvider.create(inputs())).outs as NomadJobOutputs;
    const commentOnly = await nomadJobProvider.diff!(
      "id",
      created,
      inputs({ jobspec: HCL.replace("# a comment", "# another comment") }),
    );
    expect(commentOnly).toEqual({ changes: false, replaces: [] });
    const real = await nomadJobProvider.diff!(
      "id",
      created,
      inputs({ variables: { datacenter: "dc1", wan_address: "203.0.113.10" } }),
    );
    expect(real).toEqual({ changes: true, replaces: [] });
  });

  test("a new job ID replaces the job, deleting the old one first", async () => {
    api = await startFakeApi(nomadRoutes());
    const created = (await nomadJobProvider.create(inputs())).outs as NomadJobOutputs;
    const diff = await nomadJobProvider.diff!(
      "id",
      created,
      inputs({ jobspec: HCL.replace('job "mesh-gateway"', 'job "mesh-gw"') }),
    );
    expect(diff).toEqual({ changes: true, replaces: ["jobspec"], deleteBeforeReplace: true });
  });

  test("preview with an unknown variable: a change, no API call, the other variables kept", async () => {
    api = await startFakeApi(nomadRoutes());
    const created = (await nomadJobProvider.create(inputs())).outs as NomadJobOutputs;
    const before = api.requests.length;
    const news = inputs({ variables: { datacenter: "dc1", wan_address: UNKNOWN } });
    expect(await nomadJobProvider.diff!("id", created, news)).toEqual({
      changes: true,
      replaces: [],
    });
    expect(news.variables.datacenter).toBe("dc1");
    expect(api.requests.length).toBe(before);
  });

  test("update re-registers; delete purges in the job's namespace", async () => {
    api = await startFakeApi(nomadRoutes());
    const created = (await nomadJobProvider.create(inputs())).outs as NomadJobOutputs;
    const updated = await nomadJobProvider.update!(
      "id",
      created,
      inputs({ variables: { datacenter: "dc1", wan_address: "203.0.113.10" } }),
    );
    expect((updated.outs as NomadJobOutputs).jobModifyIndex).toBe(12);
    await nomadJobProvider.delete!("id", updated.outs as NomadJobOutputs);
    expect(api.requests.at(-1)).toMatchObject({
      method: "DELETE",
      path: "/v1/job/mesh-gateway?purge=true&namespace=default",
    });
  });

  test("a 403 is final and says what Nomad said", async () => {
    api = await startFakeApi(
      nomadRoutes({ "POST /v1/jobs": () => ({ status: 403, body: "Permission denied" }) }),
    );
    const err = await nomadJobProvider.create(inputs()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as Error).message).toBe("register job mesh-gateway: HTTP 403: Permission denied");
    expect(api.requests.filter((r) => r.path.startsWith("/v1/jobs?"))).toHaveLength(1);
  });

  test("a 500 then success is retried", async () => {
    api = await startFakeApi(
      nomadRoutes({
        "POST /v1/jobs/parse": sequence(
          { status: 500, body: "No cluster leader" },
          { status: 200, body: { ID: "mesh-gateway", Namespace: "default" } },
        ),
      }),
    );
    const res = await nomadJobProvider.create(inputs({ waitHealthy: false }));
    expect(res.id).toBe("mesh-gateway@default");
    expect(api.requests.filter((r) => r.path === "/v1/jobs/parse")).toHaveLength(2);
  });

  test("a failed deployment fails the resource with Nomad's description", async () => {
    api = await startFakeApi(
      nomadRoutes({
        "GET /v1/job/mesh-gateway/deployments": () => ({
          status: 200,
          body: [
            {
              ID: "d9",
              Status: "failed",
              StatusDescription: "Failed due to progress deadline",
              JobSpecModifyIndex: 11,
            },
          ],
        }),
      }),
    );
    await expect(nomadJobProvider.create(inputs())).rejects.toThrow(
      "job mesh-gateway: deployment d9 failed: Failed due to progress deadline",
    );
  });

  test("an unhealthy deployment times out with its last state", async () => {
    api = await startFakeApi(
      nomadRoutes({
        "GET /v1/job/mesh-gateway/deployments": () => ({
          status: 200,
          body: [
            {
              ID: "d2",
              Status: "running",
              StatusDescription: "Deployment is running",
              JobSpecModifyIndex: 11,
            },
          ],
        }),
        "GET /v1/job/mesh-gateway": () => ({
          status: 200,
          body: { ID: "mesh-gateway", Version: 1, JobModifyIndex: 11 },
        }),
      }),
    );
    const c = nomadConn(api);
    await expect(
      waitForDeployment(c, { ID: "mesh-gateway", Namespace: "default" }, 11, 0.3, 50),
    ).rejects.toThrow(
      "job mesh-gateway: not healthy after 0.3 s (last deployment state: running: Deployment is running)",
    );
  });

  test("a server certificate from another CA is rejected", async () => {
    api = await startFakeApi(nomadRoutes());
    await expect(
      nomadJobProvider.create(inputs({ caPem: tlsFixtures().otherCaPem, waitHealthy: false })),
    ).rejects.toThrow(
      /^parse jobspec: TLS verification failed against the pinned CA: .*(self[- ]signed|unable to verify|certificate)/i,
    );
    // The handshake failed: no request reached the server.
    expect(api.requests).toHaveLength(0);
  });

  test("namespaces: create is an upsert, delete tolerates a missing namespace", async () => {
    api = await startFakeApi({
      "PUT /v1/namespace/ingress": (r) => ({ status: 200, body: JSON.parse(r.body) as unknown }),
      "DELETE /v1/namespace/ingress": () => ({ status: 404, body: "namespace not found" }),
    });
    const ns = {
      ...nomadConn(api),
      name: "ingress",
      description: "API gateways",
    };
    expect((await nomadNamespaceProvider.create(ns)).id).toBe("ingress");
    await nomadNamespaceProvider.delete!("ingress", ns);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "PUT /v1/namespace/ingress",
      "DELETE /v1/namespace/ingress",
    ]);
    expect(
      await nomadNamespaceProvider.diff!("ingress", ns, { ...ns, name: "gateways" }),
    ).toMatchObject({ replaces: ["name"], deleteBeforeReplace: true });
  });
});

describe("Nomad helpers", () => {
  test("variables render as an HCL var-file, sorted, with templates escaped", () => {
    expect(renderVariables({ b: "x", a: 'say "hi" ${attr.x} %{if}' })).toBe(
      'a = "say \\"hi\\" $${attr.x} %%{if}"\nb = "x"\n',
    );
    expect(() => renderVariables({ "bad name": "x" })).toThrow(
      'invalid Nomad variable name "bad name"',
    );
  });

  test("the providers serialize without capturing SDK or provider modules", async () => {
    for (const provider of [nomadJobProvider, nomadNamespaceProvider]) {
      const s = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
      expect(s.text).toContain('require("https")');
      for (const heavy of ["@pulumi/gcp", "@pulumi/consul", "grpc"])
        expect(s.text).not.toContain(heavy);
    }
  });
});
