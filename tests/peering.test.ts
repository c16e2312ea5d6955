import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  PeerStackError,
  tokenFromOutput,
  unreadableStackMessage,
} from "../components/peering/peerOutputs";
import { PeeringWaitInput, waitForPeering } from "../components/peering/peeringWait";
import { FakeApi, Route, sequence, startFakeApi, tlsFixtures } from "./harness/fakeApi";
import { ProgramRun, ROOT, runProgram, secretLeaks } from "./harness/program";
import { isSecretOnWire, RecordedResource } from "./harness/recorder";

const entry = (r: RecordedResource) => ({
  kind: r.inputs.kind,
  name: r.inputs.name,
  config: JSON.parse(String(r.inputs.configJson)) as unknown,
});

describe("acceptor dc1 (resolver failover)", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack: "dc1" });
    if (run.error) throw run.error;
  });

  test("one token for dc2, named dc2-default, generation in meta, behind the mesh entry and the healthy mesh gateway", () => {
    const token = run.graph.get("dc1-peering-token-dc2");
    expect(token.type).toBe("consul:index/peeringToken:PeeringToken");
    expect(token.inputs).toEqual({
      peerName: "dc2-default",
      meta: { "hashistack-generation": "1" },
    });
    expect(token.deleteBeforeReplace).toBe(true);
    expect(
      run.graph.dependsOn(token, run.graph.get("dc1-service-mesh-mesh-entry"), { direct: true }),
    ).toBe(true);
    expect(
      run.graph.dependsOn(token, run.graph.get("dc1-mesh-gateway-job"), { direct: true }),
    ).toBe(true);
    expect(run.graph.all("consul:index/peering:Peering")).toHaveLength(0);
  });

  test("the token is a secret stack output and never appears unmarked", () => {
    expect(isSecretOnWire(run.outputs, "peeringTokens")).toBe(true);
    expect(run.plainOutputs.peeringTokens).toEqual({
      dc2: expect.stringContaining("MOCKSECRET-peering-token") as string,
    });
    expect(run.plainOutputs.peerNames).toEqual(["dc2-default"]);
    expect(run.plainOutputs.exportedServices).toEqual(["public-api", "private-api"]);
    expect(secretLeaks(run)).toEqual([]);
  });

  test("exports and resolvers name the peer, after the token exists", () => {
    const exports = run.graph.get("dc1-peering-exports");
    expect(entry(exports)).toEqual({
      kind: "exported-services",
      name: "default",
      config: {
        Services: [
          { Consumers: [{ Peer: "dc2-default" }], Name: "public-api", Namespace: "default" },
          { Consumers: [{ Peer: "dc2-default" }], Name: "private-api", Namespace: "default" },
        ],
      },
    });
    for (const svc of ["public-api", "private-api"]) {
      const resolver = run.graph.get(`dc1-peering-resolver-${svc}`);
      expect(entry(resolver)).toEqual({
        kind: "service-resolver",
        name: svc,
        config: {
          ConnectTimeout: "15s",
          Failover: { "*": { Targets: [{ Peer: "dc2-default" }] } },
        },
      });
      expect(
        run.graph.dependsOn(resolver, run.graph.get("dc1-peering-token-dc2"), { direct: true }),
      ).toBe(true);
    }
    expect(
      run.graph.dependsOn(exports, run.graph.get("dc1-peering-token-dc2"), { direct: true }),
    ).toBe(true);
    expect(run.graph.all().some((r) => r.name.includes("sameness-group"))).toBe(false);
  });
});

describe("dialer dc2", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack: "dc2" });
    if (run.error) throw run.error;
  });

  test("reads the token through a StackReference named in config and establishes dc1-default after its own mesh gateway", () => {
    const ref = run.graph.get("dc2-ref-dc1");
    expect(ref.type).toBe("pulumi:pulumi:StackReference");
    expect(ref.inputs.name).toBe("organization/hashistack/dc1");
    const peering = run.graph.get("dc2-peering-peering-dc1");
    expect(peering.inputs).toEqual({
      peerName: "dc1-default",
      peeringToken: "placeholder-token-from-organization/hashistack/dc1",
    });
    expect(isSecretOnWire(peering.wireInputs, "peeringToken")).toBe(true);
    expect(peering.deleteBeforeReplace).toBe(true);
    expect(
      run.graph.dependsOn(peering, run.graph.get("dc2-service-mesh-mesh-entry"), { direct: true }),
    ).toBe(true);
    expect(
      run.graph.dependsOn(peering, run.graph.get("dc2-mesh-gateway-job"), { direct: true }),
    ).toBe(true);
    expect(run.graph.all("consul:index/peeringToken:PeeringToken")).toHaveLength(0);
    expect(run.plainOutputs.peeringTokens).toBeUndefined();
  });

  test("waits for ACTIVE and the acceptor's exports after the peering; exports and failover after the peering", () => {
    const wait = run.graph.get("dc2-peering-active-dc1");
    expect(wait.inputs).toMatchObject({
      peerName: "dc1-default",
      expectedServices: ["public-api", "private-api"],
      consulAddress: run.plainOutputs.consulUrl,
    });
    expect(isSecretOnWire(wait.wireInputs, "consulToken")).toBe(true);
    const peering = run.graph.get("dc2-peering-peering-dc1");
    expect(run.graph.dependsOn(wait, peering, { direct: true })).toBe(true);
    for (const name of [
      "dc2-peering-exports",
      "dc2-peering-resolver-public-api",
      "dc2-intentions-public-api",
    ]) {
      expect([name, run.graph.dependsOn(run.graph.get(name), peering, { direct: true })]).toEqual([
        name,
        true,
      ]);
    }
    expect(entry(run.graph.get("dc2-peering-resolver-private-api")).config).toEqual({
      ConnectTimeout: "15s",
      Failover: { "*": { Targets: [{ Peer: "dc1-default" }] } },
    });
  });

  test("a missing token output fails with the stack and output named", async () => {
    const r = await runProgram({
      stack: "dc2",
      mocks: { stackOutputs: { "organization/hashistack/dc1": { outputs: {} } } },
    });
    expect(r.error?.message).toContain(
      'stack organization/hashistack/dc1 has no "peeringTokens" output: deploy it first, with "acceptor:dc2" in its hashistack:peers',
    );
    // Checked before anything else: only the stack and the reference itself exist.
    expect(
      r.graph
        .all()
        .map((x) => x.type)
        .sort(),
    ).toEqual(["pulumi:pulumi:Stack", "pulumi:pulumi:StackReference"]);
  });

  test("a missing acceptor stack gets the program's own message, before anything exists", async () => {
    const r = await runProgram({ stack: "dc2", mocks: { stackOutputs: {} } });
    expect(r.error).toBeInstanceOf(PeerStackError);
    expect(r.error?.message).toBe(
      'stack organization/hashistack/dc1 does not exist: deploy dc1 first (pulumi up -s dc1), with "acceptor:dc2" in its hashistack:peers (the backend said: unknown stack "organization/hashistack/dc1")',
    );
    // Probed through the engine's invoke: not even the StackReference was registered.
    expect(r.graph.all().map((x) => x.type)).toEqual(["pulumi:pulumi:Stack"]);
  });

  test("any other read failure is passed on with the stack named", () => {
    expect(
      unreadableStackMessage(
        "acme/hashistack/dc1",
        "dc2",
        new Error(
          "invocation of pulumi:pulumi:readStackOutputs returned an error: [403] Forbidden: access denied",
        ),
      ),
    ).toBe(
      "stack acme/hashistack/dc1 could not be read ([403] Forbidden: access denied): check the dialer entry in hashistack:peers, and that you are logged in to the backend holding it",
    );
  });

  test.each([
    ["plain", []],
    ["secret", ["exportedServices"]],
  ])("exportedServices read from the acceptor whether %s", async (_kind, secret) => {
    const r = await runProgram({
      stack: "dc2",
      mocks: {
        stackOutputs: {
          "organization/hashistack/dc1": {
            outputs: { peeringTokens: { dc2: "tok" }, exportedServices: ["private-api"] },
            secretOutputNames: ["peeringTokens", ...secret],
          },
        },
      },
    });
    if (r.error) throw r.error;
    const wait = r.graph.get("dc2-peering-active-dc1");
    expect(wait.inputs.expectedServices).toEqual(["private-api"]);
    // A secret output stays secret in this stack: the wait's input (and so its state) too.
    expect(isSecretOnWire(wait.wireInputs, "expectedServices")).toBe(secret.length > 0);
  });

  test("a token output of the wrong type fails with the stack and output named", async () => {
    const r = await runProgram({
      stack: "dc2",
      mocks: {
        stackOutputs: {
          "organization/hashistack/dc1": {
            outputs: { peeringTokens: "abc" },
            secretOutputNames: ["peeringTokens"],
          },
        },
      },
    });
    expect(r.error?.message).toContain(
      'stack organization/hashistack/dc1 output "peeringTokens" is malformed: expected a map of datacenter to token, got string',
    );
  });
});

describe("acceptor stack names on either backend", () => {
  test("a dc2 run under another organization references that organization", async () => {
    const run = await runProgram({ stack: "dc2", organization: "acme-platform" });
    if (run.error) throw run.error;
    expect(run.graph.get("dc2-ref-dc1").inputs.name).toBe("acme-platform/hashistack/dc1");
    expect(run.graph.get("dc2-peering-peering-dc1").inputs.peeringToken).toBe(
      "placeholder-token-from-acme-platform/hashistack/dc1",
    );
  });

  test("a fully-qualified entry names a stack of another organization", async () => {
    const run = await runProgram({
      stack: "dc2",
      organization: "acme-platform",
      config: { "hashistack:peers": ["dialer:dc1:acme-network/hashistack/dc1"] },
    });
    if (run.error) throw run.error;
    expect(run.graph.get("dc2-ref-dc1").inputs.name).toBe("acme-network/hashistack/dc1");
  });

  test("a dialer of its own stack is refused before anything exists", async () => {
    const run = await runProgram({
      stack: "dc2",
      config: { "hashistack:peers": ["dialer:dc1:dc2"] },
    });
    expect(run.error?.message).toBe(
      'Invalid configuration for stack "dc2" (1 problem); nothing was created:\n' +
        '  - hashistack:peers[0]: received "dialer:dc1:dc2"; allowed: the acceptor\'s stack, not this one (organization/hashistack/dc2): a dialer reads the peering token its acceptor exports',
    );
    expect(run.graph.all().map((x) => x.type)).toEqual(["pulumi:pulumi:Stack"]);
  });
});

describe("failover modes and token stability", () => {
  const tokenInputs = async (config: Record<string, unknown>, secretKeys: string[] = []) => {
    const r = await runProgram({ stack: "dc1", config, secretKeys });
    if (r.error) throw r.error;
    return r.graph.get("dc1-peering-token-dc2").inputs;
  };

  test("replica counts and failover mode never change the token's inputs; the generation does", async () => {
    const base = await tokenInputs({});
    expect(
      await tokenInputs({ "hashistack:publicApiReplicas": 5, "hashistack:privateApiReplicas": 0 }),
    ).toEqual(base);
    expect(await tokenInputs({ "hashistack:failoverMode": "none" })).toEqual(base);
    expect(
      await tokenInputs(
        {
          "hashistack:failoverMode": "sameness-group",
          "hashistack:consulLicense": "LIC-MOCKSECRET",
        },
        ["hashistack:consulLicense"],
      ),
    ).toEqual(base);
    expect(await tokenInputs({ "hashistack:peeringGeneration": 2 })).toEqual({
      peerName: "dc2-default",
      meta: { "hashistack-generation": "2" },
    });
  });

  test("sameness-group mode: group in the DC, exports and intentions to the group, no resolver", async () => {
    const run = await runProgram({
      stack: "dc1",
      config: {
        "hashistack:failoverMode": "sameness-group",
        "hashistack:consulLicense": "LIC-MOCKSECRET",
      },
      secretKeys: ["hashistack:consulLicense"],
    });
    if (run.error) throw run.error;
    const group = run.graph.get("dc1-peering-sameness-group");
    expect(entry(group)).toEqual({
      kind: "sameness-group",
      name: "api-services",
      config: {
        DefaultForFailover: true,
        Members: [{ Partition: "default" }, { Peer: "dc2-default" }],
      },
    });
    const exports = run.graph.get("dc1-peering-exports");
    expect(
      (entry(exports).config as { Services: { Consumers: unknown }[] }).Services.map(
        (s) => s.Consumers,
      ),
    ).toEqual([[{ SamenessGroup: "api-services" }], [{ SamenessGroup: "api-services" }]]);
    expect(run.graph.dependsOn(exports, group, { direct: true })).toBe(true);
    expect(run.graph.get("dc1-intentions-public-api").inputs.sources).toEqual([
      { name: "front-service", action: "allow" },
      { name: "front-service", action: "allow", samenessGroup: "api-services" },
    ]);
    expect(run.graph.all().filter((r) => r.name.includes("resolver"))).toEqual([]);
  });

  test("none: exports but no resolver and no sameness group", async () => {
    const run = await runProgram({ stack: "dc1", config: { "hashistack:failoverMode": "none" } });
    if (run.error) throw run.error;
    expect(run.graph.has("dc1-peering-exports")).toBe(true);
    expect(run.graph.all().filter((r) => /resolver|sameness/.test(r.name))).toEqual([]);
  });

  test("no peers: no token, peering, exports or peer intentions", async () => {
    const run = await runProgram({
      stack: "dc1",
      config: { "hashistack:peers": [], "hashistack:failoverMode": "none" },
    });
    if (run.error) throw run.error;
    expect(run.graph.all().filter((r) => r.name.includes("-peering-"))).toEqual([]);
    expect(run.graph.get("dc1-intentions-public-api").inputs.sources).toEqual([
      { name: "front-service", action: "allow" },
    ]);
  });
});

describe("a third datacenter is configuration only", () => {
  test("dc3 dials dc1 and accepts dc2", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dc3-")), "Pulumi.dc3.yaml");
    fs.writeFileSync(
      file,
      fs
        .readFileSync(path.join(ROOT, "Pulumi.dc2.yaml"), "utf8")
        .replace("hashistack:datacenter: dc2", "hashistack:datacenter: dc3")
        .replace("10.3.0.0/16", "10.4.0.0/16")
        .replace("    - dialer:dc1:dc1", "    - dialer:dc1:dc1\n    - acceptor:dc2"),
    );
    const run = await runProgram({ stack: "dc3", configFile: file });
    if (run.error) throw run.error;
    expect(run.graph.get("dc3-peering-token-dc2").inputs).toEqual({
      peerName: "dc2-default",
      meta: { "hashistack-generation": "1" },
    });
    expect(run.graph.get("dc3-peering-peering-dc1").inputs.peerName).toBe("dc1-default");
    expect(run.graph.get("dc3-ref-dc1").inputs.name).toBe("organization/hashistack/dc1");
    expect(entry(run.graph.get("dc3-peering-resolver-public-api")).config).toEqual({
      ConnectTimeout: "15s",
      Failover: { "*": { Targets: [{ Peer: "dc1-default" }, { Peer: "dc2-default" }] } },
    });
    expect(run.graph.get("dc3-intentions-private-api").inputs.sources).toEqual([
      { name: "front-service", action: "allow", peer: "dc1-default" },
      { name: "front-service", action: "allow", peer: "dc2-default" },
    ]);
    expect(isSecretOnWire(run.outputs, "peeringTokens")).toBe(true);
    expect(run.plainOutputs.peerNames).toEqual(["dc1-default", "dc2-default"]);
  });
});

describe("tokenFromOutput", () => {
  test("accepts a map with this datacenter's token", () => {
    expect(tokenFromOutput("o/p/dc1", "dc2", { dc2: "tok" })).toBe("tok");
  });
  test("names the stack when this datacenter has no token", () => {
    expect(() => tokenFromOutput("o/p/dc1", "dc9", { dc2: "tok" })).toThrow(
      'stack o/p/dc1 output "peeringTokens" has no token for dc9: add "acceptor:dc9" to that stack\'s hashistack:peers and deploy it',
    );
  });
  test("rejects lists", () => {
    expect(() => tokenFromOutput("o/p/dc1", "dc2", ["tok"])).toThrow("got a list");
  });
});

describe("ACTIVE wait against a local Consul-like HTTPS server", () => {
  let api: FakeApi;
  afterEach(async () => api.close());
  const input = (over: Partial<PeeringWaitInput> = {}): PeeringWaitInput => ({
    consulAddress: api.url,
    caPem: tlsFixtures().good.caPem,
    consulToken: "t",
    peerName: "dc1-default",
    expectedServices: ["public-api", "private-api"],
    timeoutSeconds: 2,
    pollSeconds: 0.05,
    ...over,
  });
  const services: Route = () => ({
    status: 200,
    body: { "public-api": ["api"], "private-api": ["api"] },
  });

  test("PENDING then ACTIVE with the exports visible", async () => {
    api = await startFakeApi({
      "GET /v1/peering/dc1-default": sequence(
        { status: 200, body: { Name: "dc1-default", State: "PENDING" } },
        { status: 200, body: { Name: "dc1-default", State: "ESTABLISHING" } },
        { status: 200, body: { Name: "dc1-default", State: "ACTIVE" } },
      ),
      "GET /v1/catalog/services": services,
    });
    expect(await waitForPeering(input())).toEqual({
      state: "ACTIVE",
      importedServices: ["private-api", "public-api"],
    });
    expect(api.requests.some((r) => r.path === "/v1/catalog/services?peer=dc1-default")).toBe(true);
  });

  test("FAILING until the time limit: the error says so", async () => {
    api = await startFakeApi({
      "GET /v1/peering/dc1-default": () => ({ status: 200, body: { State: "FAILING" } }),
    });
    await expect(waitForPeering(input({ timeoutSeconds: 0.3 }))).rejects.toThrow(
      "peering dc1-default not ready after 0.3 s: state FAILING; services not yet imported: public-api, private-api",
    );
  });

  test("ACTIVE but an export still missing: the error names it", async () => {
    api = await startFakeApi({
      "GET /v1/peering/dc1-default": () => ({ status: 200, body: { State: "ACTIVE" } }),
      "GET /v1/catalog/services": () => ({ status: 200, body: { "public-api": [] } }),
    });
    await expect(waitForPeering(input({ timeoutSeconds: 0.3 }))).rejects.toThrow(
      "state ACTIVE; services not yet imported: private-api",
    );
  });

  test("a transient server error is retried, then ACTIVE", async () => {
    api = await startFakeApi({
      "GET /v1/peering/dc1-default": sequence(
        { status: 500, body: "rpc error: no leader" },
        { status: 200, body: { State: "ACTIVE" } },
      ),
      "GET /v1/catalog/services": services,
    });
    expect((await waitForPeering(input())).state).toBe("ACTIVE");
  });

  test("403 is final", async () => {
    api = await startFakeApi({
      "GET /v1/peering/dc1-default": () => ({
        status: 403,
        body: "Permission denied: token lacks peering:read",
      }),
    });
    await expect(waitForPeering(input())).rejects.toThrow(
      "read peering dc1-default: HTTP 403: Permission denied: token lacks peering:read",
    );
    expect(api.requests).toHaveLength(1);
  });

  test("TERMINATED fails at once with how to re-peer", async () => {
    api = await startFakeApi({
      "GET /v1/peering/dc1-default": () => ({ status: 200, body: { State: "TERMINATED" } }),
    });
    await expect(waitForPeering(input())).rejects.toThrow(
      "peering dc1-default is TERMINATED: the peer deleted it; re-peer by bumping hashistack:peeringGeneration on the acceptor",
    );
    expect(api.requests).toHaveLength(1);
  });
});
