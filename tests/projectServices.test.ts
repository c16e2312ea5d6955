import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { API_PROBES, API_SETTLE_SECONDS, Clock } from "../components/gcp/apiReadiness";
import {
  checkDeployer,
  DEPLOYER_ROLES,
  DeployerCheckInput,
  OPTIONAL_PERMISSIONS,
} from "../components/gcp/deployerCheck";
import { preflightProvider } from "../components/gcp/preflight";
import { apiOfType, SERVICE_TYPE } from "../components/gcp/projectServices";
import {
  apiError,
  ApiProbeState,
  apiProbeRoutes,
  bearer,
  FakeGoogle,
  startFakeGoogle,
} from "./harness/fakeGoogle";
import { fakeClock } from "./harness/fakeClock";
import { ProgramRun, ROOT, runProgram } from "./harness/program";

const PREFLIGHT = "pulumi-nodejs:dynamic/hashistack:Preflight";
const APIS = [
  "cloudresourcemanager.googleapis.com",
  "compute.googleapis.com",
  "iam.googleapis.com",
  "secretmanager.googleapis.com",
];

describe.each(["dc1", "dc2"])("project services of %s", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack });
    if (run.error) throw run.error;
  });

  test("the stack enables the APIs it uses, never disabling them on destroy", () => {
    const services = run.graph.all(SERVICE_TYPE);
    expect(services.map((s) => s.inputs.service).sort()).toEqual(APIS);
    for (const s of services) {
      expect(s.inputs).toMatchObject({
        project: `my-gcp-project-${stack}`,
        disableOnDestroy: false,
        disableDependentServices: false,
      });
      expect(run.graph.parentOf(s)?.name).toBe(`${stack}-apis`);
    }
  });

  test("the preflight runs after every API enablement and waits for each of those APIs", () => {
    const preflight = run.graph.get(`${stack}-apis-preflight`, PREFLIGHT);
    for (const s of run.graph.all(SERVICE_TYPE))
      expect([s.inputs.service, run.graph.dependsOn(preflight, s, { direct: true })]).toEqual([
        s.inputs.service,
        true,
      ]);
    expect(preflight.inputs).toMatchObject({
      project: `my-gcp-project-${stack}`,
      roles: DEPLOYER_ROLES,
      optional: OPTIONAL_PERMISSIONS,
      providerCredentialKeys: [],
    });
    // The APIs it probes are exactly the ones enabled (an API added to one list only fails).
    expect([...(preflight.inputs.apis as string[])].sort()).toEqual(
      run.graph
        .all(SERVICE_TYPE)
        .map((s) => s.inputs.service)
        .sort(),
    );
  });

  test("every other GCP resource waits for the preflight, which probes the API it uses", () => {
    const preflight = run.graph.get(`${stack}-apis-preflight`, PREFLIGHT);
    const probed = (preflight.inputs.apis as string[]).filter((a) => API_PROBES[a]);
    const gcpResources = run.graph
      .customs()
      .filter((r) => r.type.startsWith("gcp:") && r.type !== SERVICE_TYPE);
    expect(gcpResources.length).toBeGreaterThan(50);
    for (const r of gcpResources) {
      expect([r.name, run.graph.dependsOn(r, preflight, { direct: true })]).toEqual([r.name, true]);
      // Waiting for the enablement alone is not enough (it propagates slowly): the API this
      // resource's type calls must be one the preflight waits to answer.
      expect([r.type, probed.includes(apiOfType(r.type) ?? "none")]).toEqual([r.type, true]);
    }
  });

  test("nothing in-cluster waits on the deployer check directly (only through the VMs)", () => {
    const preflight = run.graph.get(`${stack}-apis-preflight`, PREFLIGHT);
    for (const r of run.graph.customs().filter((x) => x.type.startsWith("consul:")))
      expect(run.graph.dependsOn(r, preflight, { direct: true })).toBe(false);
  });
});

describe("APIs and the deployer check, by configuration and failure", () => {
  test("SSH via IAP adds the IAP API", async () => {
    const run = await runProgram({ stack: "dc1", config: { "hashistack:sshViaIap": "true" } });
    if (run.error) throw run.error;
    expect(run.graph.all(SERVICE_TYPE).map((s) => s.inputs.service)).toContain(
      "iap.googleapis.com",
    );
  });

  test("provider credentials in stack config are named (presence only), so the check defers", async () => {
    const run = await runProgram({
      stack: "dc1",
      config: { "gcp:credentials": "/secret/key.json" },
      secretKeys: ["gcp:credentials"],
    });
    if (run.error) throw run.error;
    const preflight = run.graph.get("dc1-apis-preflight", PREFLIGHT);
    expect(preflight.inputs.providerCredentialKeys).toEqual(["gcp:credentials"]);
    expect(JSON.stringify(preflight.wireInputs)).not.toContain("/secret/key.json");
  });

  test("a verdict short of checked is a warning in the run, on the preflight resource", async () => {
    const warn = jest.spyOn(pulumi.log, "warn").mockResolvedValue();
    try {
      const warnings = ["deployer permissions not checked: no Google credentials found (...)"];
      const run = await runProgram({
        stack: "dc1",
        mocks: { state: { [PREFLIGHT]: () => ({ checked: false, note: "n", warnings }) } },
      });
      if (run.error) throw run.error;
      const calls = warn.mock.calls.filter(([msg]) => msg.startsWith("deployer permissions"));
      expect(calls.map(([msg]) => msg)).toEqual(warnings);
      const on = calls[0]?.[1];
      if (!on) throw new Error("warning not attached to a resource");
      const urn = await new Promise<string>((r) => on.urn.apply(r));
      expect(urn).toMatch(/::dc1-apis-preflight$/);
      expect(urn).toBe(
        `urn:pulumi:dc1::hashistack::hashistack:gcp:ProjectServices$${PREFLIGHT}::dc1-apis-preflight`,
      );
    } finally {
      warn.mockRestore();
    }
  });

  test("a checked verdict without warnings logs nothing", async () => {
    const warn = jest.spyOn(pulumi.log, "warn").mockResolvedValue();
    try {
      const run = await runProgram({
        stack: "dc1",
        mocks: { state: { [PREFLIGHT]: () => ({ checked: true, note: "n", warnings: [] }) } },
      });
      if (run.error) throw run.error;
      expect(warn.mock.calls.filter(([msg]) => msg.includes("deployer"))).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });

  test("a failed deployer check stops every other GCP resource and the zone lookup", () => {
    // In a child process: the SDK's follow-on rejections would otherwise fail this test.
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, "node_modules/ts-node/dist/bin.js"),
        "--transpile-only",
        "tests/harness/failingRun.ts",
        "dc1",
        PREFLIGHT,
      ],
      { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
    );
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      error: string | null;
      registered: { type: string; name: string }[];
      zoneLookups: number;
    };
    expect(out.error).toContain(`registration of ${PREFLIGHT} refused`);
    const gcp = out.registered.filter((x) => x.type.startsWith("gcp:"));
    expect(gcp.map((x) => x.name).sort()).toEqual(
      ["cloudresourcemanager", "compute", "iam", "secretmanager"].map((a) => `dc1-apis-${a}`),
    );
    // The Compute API may still be off: the zones are read only after the check.
    expect(out.zoneLookups).toBe(0);
  });
});

describe("preflight against local fakes of Resource Manager and the APIs it waits for", () => {
  let google: FakeGoogle;
  let granted: string[];
  let home: string;
  let apis: ApiProbeState;
  beforeAll(async () => {
    apis = {
      project: "my-project",
      projectNumber: "4242",
      token: "ya29.deployer",
      disabledFor: {},
    };
    google = await startFakeGoogle([
      {
        // POST /v1/projects/{resource}:testIamPermissions answers the subset the caller holds.
        method: "POST",
        path: /^\/v1\/projects\/([^/:]+):testIamPermissions$/,
        handle: (req, [, project]) => {
          if (!bearer(req, "ya29.deployer"))
            return apiError(
              401,
              "UNAUTHENTICATED",
              "Request had invalid authentication credentials.",
            );
          if (project !== "my-project")
            return apiError(
              403,
              "PERMISSION_DENIED",
              `Permission denied on resource project ${project}.`,
            );
          const asked = (req.json as { permissions: string[] }).permissions;
          return { status: 200, body: { permissions: asked.filter((p) => granted.includes(p)) } };
        },
      },
      ...apiProbeRoutes(apis),
    ]);
    home = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-"));
  });
  afterAll(() => google.close());
  beforeEach(() => {
    google.requests.length = 0;
    apis.disabledFor = {};
  });

  const input = (over: Partial<DeployerCheckInput> = {}): DeployerCheckInput => ({
    project: "my-project",
    roles: DEPLOYER_ROLES,
    optional: OPTIONAL_PERMISSIONS,
    apis: APIS,
    providerCredentialKeys: [],
    ...over,
  });
  const opts = (token?: string, c: Clock = fakeClock()) => ({
    auth: {
      env: {
        HOME: home,
        METADATA_SERVER_DETECTION: "none",
        ...(token ? { GOOGLE_OAUTH_ACCESS_TOKEN: token } : {}),
      },
    },
    baseUrl: `${google.url}/v1`,
    apiRoot: (api: string) => `${google.url}/${api}`,
    clock: c,
  });
  const required = [...new Set(Object.values(DEPLOYER_ROLES).flat())];
  const all = [...required, ...Object.keys(OPTIONAL_PERMISSIONS)];
  const apisNote = `APIs answering in my-project: ${APIS.join(", ")}`;

  test("all roles held: checked, no warning, after the APIs answered", async () => {
    granted = all;
    apis.disabledFor = { "compute.googleapis.com": 2 };
    const c = fakeClock();
    expect(await checkDeployer(input(), opts("ya29.deployer", c))).toEqual({
      checked: true,
      note: `${apisNote}; deployer (GOOGLE_OAUTH_ACCESS_TOKEN) holds the ${required.length} required permissions checked`,
      warnings: [],
    });
    expect(c.slept).toEqual([2000, 4000]);
    // The permission check comes only after every API answered.
    const calls = google.requests.map((r) => r.path);
    expect(calls.at(-1)).toBe("/v1/projects/my-project:testIamPermissions");
    expect(calls.filter((p) => p.startsWith("/compute.googleapis.com/"))).toHaveLength(3);
  });

  test("APIs that never answer fail the preflight (bounded), before the permission check", async () => {
    granted = all;
    apis.disabledFor = { "secretmanager.googleapis.com": 10_000 };
    const err = await checkDeployer(input(), {
      ...opts("ya29.deployer"),
      apiTimeoutSeconds: 30,
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(
      /^APIs this stack enabled in project my-project still do not answer after 30 s:\n  - secretmanager\.googleapis\.com: HTTP 403 PERMISSION_DENIED: Secret Manager API has not been used in project 4242 before or it is disabled/,
    );
    expect(google.requests.some((r) => r.path.endsWith(":testIamPermissions"))).toBe(false);
  });

  test("missing roles: one error naming each role and its missing permissions", async () => {
    granted = all.filter(
      (p) => !p.startsWith("secretmanager.") && p !== "iam.serviceAccounts.actAs",
    );
    await expect(checkDeployer(input(), opts("ya29.deployer"))).rejects.toThrow(
      [
        "the deployer (credentials: GOOGLE_OAUTH_ACCESS_TOKEN) lacks permissions this stack needs on project my-project; no GCP resource but the API enablements was created:",
        "  - roles/iam.serviceAccountUser: iam.serviceAccounts.actAs",
        "  - roles/secretmanager.admin: secretmanager.secrets.create, secretmanager.secrets.setIamPolicy, secretmanager.versions.add",
        "Grant each role: gcloud projects add-iam-policy-binding my-project --member=<user:you@example.com or serviceAccount:...> --role=<role>",
      ].join("\n"),
    );
  });

  test("boot-progress permissions missing (guest attributes): a warning, not a failure", async () => {
    granted = required;
    const verdict = await checkDeployer(input(), opts("ya29.deployer"));
    expect(verdict.checked).toBe(true);
    expect(verdict.warnings).toEqual([
      "the deployer lacks compute.instanceGroupManagers.get, compute.instances.getGuestAttributes on project my-project (roles/compute.admin): the readiness gate will wait without showing boot progress",
    ]);
    const asked = (google.requests.at(-1)?.json as { permissions: string[] }).permissions;
    expect(asked).toContain("compute.instances.getGuestAttributes");
  });

  test("no credentials or provider credentials: a fixed pause for the APIs, a note and a warning", async () => {
    granted = [];
    const c = fakeClock();
    const none = await checkDeployer(input(), opts(undefined, c));
    expect(c.slept).toEqual([API_SETTLE_SECONDS * 1000]);
    expect(none.checked).toBe(false);
    expect(none.note).toMatch(
      /^APIs not probed \(no Google credentials found .*\): paused 60 s after enabling them; deployer permissions not checked: no Google credentials found/,
    );
    expect(none.warnings).toEqual([none.note.split("; ")[1]]);
    const own = await checkDeployer(
      input({ providerCredentialKeys: ["gcp:credentials"] }),
      opts("ya29.deployer"),
    );
    expect(own).toEqual({
      checked: false,
      note: "APIs not probed (the GCP provider uses its own credentials (gcp:credentials)): paused 60 s after enabling them; deployer permissions not checked: the GCP provider uses its own credentials (gcp:credentials)",
      warnings: [
        "deployer permissions not checked: the GCP provider uses its own credentials (gcp:credentials)",
      ],
    });
    expect(google.requests).toHaveLength(0);
  });

  test("an API refusal of the permission check is a note and a warning, never a failure", async () => {
    expect(await checkDeployer(input({ project: "other" }), opts("ya29.deployer"))).toEqual({
      checked: false,
      note: `APIs answering in other: ${APIS.join(", ")}; deployer permissions not checked: testIamPermissions: HTTP 403 PERMISSION_DENIED: Permission denied on resource project other.`,
      warnings: [
        "deployer permissions not checked: testIamPermissions: HTTP 403 PERMISSION_DENIED: Permission denied on resource project other.",
      ],
    });
  });

  test("the preflight provider is serializable without SDK modules; diff re-checks on new roles or APIs", async () => {
    const serialized = await pulumi.runtime.serializeFunction(() => preflightProvider, {
      allowSecrets: true,
    });
    for (const heavy of ["@pulumi/gcp", "@pulumi/pulumi/", "grpc"])
      expect(serialized.text).not.toContain(heavy);
    const diff = preflightProvider.diff?.bind(preflightProvider);
    if (!diff) throw new Error("diff missing");
    const base = input();
    expect(
      await diff("id", { ...base, checked: true, note: "n", warnings: [] }, base),
    ).toMatchObject({ changes: false });
    expect(
      await diff("id", base, { ...base, roles: { ...DEPLOYER_ROLES, "roles/x": ["x.y.z"] } }),
    ).toMatchObject({ changes: true, replaces: [] });
    expect(
      await diff("id", base, { ...base, apis: [...APIS, "iap.googleapis.com"] }),
    ).toMatchObject({ changes: true, replaces: [] });
  });
});
