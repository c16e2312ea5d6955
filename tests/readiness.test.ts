import { ApiError, callApi } from "../components/nomad/apiClient";
import { waitUntilReady } from "../components/cluster/readiness";
import { FakeApi, Route, sequence, startFakeApi, tlsFixtures } from "./harness/fakeApi";
import { NOMAD_TOKEN } from "./harness/jobInputs";
import { CONSUL_TOKEN, useReadinessServers } from "./harness/readinessServers";

const nodes = (ready: number) =>
  Array.from({ length: 2 }, (_, k) => ({
    ID: `n${k}`,
    Status: k < ready ? "ready" : "initializing",
    SchedulingEligibility: "eligible",
  }));

function consulRoutes(over: Record<string, Route> = {}): Record<string, Route> {
  return {
    "GET /v1/status/leader": () => ({ status: 200, body: "10.2.0.5:8300" }),
    "GET /v1/acl/token/self": (r) =>
      r.headers["x-consul-token"] === CONSUL_TOKEN
        ? { status: 200, body: { AccessorID: "a" } }
        : { status: 403, body: "ACL not found" },
    ...over,
  };
}
function nomadRoutes(over: Record<string, Route> = {}): Record<string, Route> {
  return {
    "GET /v1/status/leader": () => ({ status: 200, body: "10.2.0.5:4647" }),
    "GET /v1/nodes": (r) =>
      r.headers["x-nomad-token"] === NOMAD_TOKEN
        ? { status: 200, body: nodes(2) }
        : { status: 403, body: "Permission denied" },
    ...over,
  };
}

describe("readiness gate checks against local HTTPS servers", () => {
  const { servers, input } = useReadinessServers();

  test("passes when every check passes", async () => {
    const results = await waitUntilReady(await input(consulRoutes(), nomadRoutes()));
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ["consul leader", true],
      ["consul management token", true],
      ["nomad leader", true],
      ["nomad clients ready", true],
    ]);
  });

  test("waits through no-leader and clients still joining", async () => {
    const i = await input(
      consulRoutes({
        "GET /v1/status/leader": sequence(
          { status: 200, body: "" },
          { status: 200, body: "" },
          { status: 200, body: "10.2.0.6:8300" },
        ),
      }),
      nomadRoutes({
        "GET /v1/nodes": sequence(
          { status: 200, body: nodes(0) },
          { status: 200, body: nodes(1) },
          { status: 200, body: nodes(2) },
        ),
      }),
    );
    const results = await waitUntilReady(i);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(
      servers[1]?.requests.filter((r) => r.path === "/v1/nodes").length,
    ).toBeGreaterThanOrEqual(3);
  });

  test("times out naming every failing check and its last answer, never a token", async () => {
    const i = await input(
      consulRoutes({ "GET /v1/acl/token/self": () => ({ status: 403, body: "ACL not found" }) }),
      nomadRoutes({
        "GET /v1/status/leader": () => ({ status: 200, body: "" }),
        "GET /v1/nodes": () => ({ status: 200, body: nodes(1) }),
      }),
      { timeoutSeconds: 0.3 },
    );
    const err = await waitUntilReady(i).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain("datacenter not ready after 0.3 s");
    expect(err?.message).toContain('  - consul management token: HTTP 403 "ACL not found"');
    expect(err?.message).toContain('  - nomad leader: HTTP 200 ""');
    expect(err?.message).toContain(
      "  - nomad clients ready: 1 of 2 expected clients ready (2 registered)",
    );
    expect(err?.message).not.toContain("consul leader:");
    expect(err?.message).not.toContain(CONSUL_TOKEN);
    expect(err?.message).not.toContain(NOMAD_TOKEN);
  });

  test("a server certificate from another CA fails verification (TLS checks stay on)", async () => {
    const i = await input(consulRoutes(), nomadRoutes(), {
      caPem: tlsFixtures().otherCaPem,
      timeoutSeconds: 0.2,
    });
    const err = await waitUntilReady(i).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/consul leader: .*(self[- ]signed|unable to verify|certificate)/i);
  });
});

describe("callApi retries and errors", () => {
  let api: FakeApi | undefined;
  afterEach(async () => api?.close());

  test("500 then success is retried with backoff", async () => {
    api = await startFakeApi({
      "GET /v1/thing": sequence(
        { status: 500, body: "boom" },
        { status: 503, body: "later" },
        { status: 200, body: { ok: 1 } },
      ),
    });
    const res = await callApi(
      { baseUrl: api.url, path: "/v1/thing", caPem: tlsFixtures().good.caPem },
      "read thing",
      { attempts: 4, baseDelayMs: 10 },
    );
    expect(res.body).toEqual({ ok: 1 });
    expect(api.requests).toHaveLength(3);
  });

  test("a 4xx is final and quotes the server", async () => {
    api = await startFakeApi({
      "PUT /v1/thing": () => ({ status: 403, body: "Permission denied: token lacks acl:write" }),
    });
    const err = await callApi(
      {
        baseUrl: api.url,
        path: "/v1/thing",
        method: "PUT",
        body: {},
        caPem: tlsFixtures().good.caPem,
      },
      "write thing",
      { attempts: 4, baseDelayMs: 10 },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toBe(
      "write thing: HTTP 403: Permission denied: token lacks acl:write",
    );
    expect(api.requests).toHaveLength(1);
  });

  test("persistent 5xx gives up after the attempts with the last answer", async () => {
    api = await startFakeApi({
      "GET /v1/thing": () => ({ status: 500, body: "rpc error: No cluster leader" }),
    });
    await expect(
      callApi(
        { baseUrl: api.url, path: "/v1/thing", caPem: tlsFixtures().good.caPem },
        "read thing",
        { attempts: 3, baseDelayMs: 5 },
      ),
    ).rejects.toThrow(
      "read thing: failed after 3 attempts; last: HTTP 500: rpc error: No cluster leader",
    );
  });
});
