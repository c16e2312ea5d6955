import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { checkDeployer, DEPLOYER_ROLES, DeployerCheckInput } from "../components/deployerCheck";
import { preflightProvider } from "../components/preflight";
import { apiOfType, SERVICE_TYPE } from "../components/projectServices";
import { apiError, bearer, FakeGoogle, startFakeGoogle } from "./harness/fakeGoogle";
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

  test("the deployer check runs after every API enablement", () => {
    const preflight = run.graph.get(`${stack}-apis-preflight`, PREFLIGHT);
    for (const s of run.graph.all(SERVICE_TYPE))
      expect([s.inputs.service, run.graph.dependsOn(preflight, s, { direct: true })]).toEqual([
        s.inputs.service,
        true,
      ]);
    expect(preflight.inputs).toMatchObject({
      project: `my-gcp-project-${stack}`,
      roles: DEPLOYER_ROLES,
      providerCredentialKeys: [],
    });
  });

  test("every other GCP resource waits for the deployer check and the API it uses", () => {
    const preflight = run.graph.get(`${stack}-apis-preflight`, PREFLIGHT);
    const service = (api: string) => {
      const hit = run.graph.all(SERVICE_TYPE).find((s) => s.inputs.service === api);
      if (!hit) throw new Error(`no service ${api}`);
      return hit;
    };
    const gcpResources = run.graph
      .customs()
      .filter((r) => r.type.startsWith("gcp:") && r.type !== SERVICE_TYPE);
    expect(gcpResources.length).toBeGreaterThan(50);
    for (const r of gcpResources) {
      const api = apiOfType(r.type);
      expect([r.name, api !== undefined]).toEqual([r.name, true]);
      expect([r.name, run.graph.dependsOn(r, preflight, { direct: true })]).toEqual([r.name, true]);
      expect([r.name, run.graph.dependsOn(r, service(api as string))]).toEqual([r.name, true]);
    }
    // Project IAM bindings need Resource Manager and the service account from IAM.
    const binding = run.graph.all("gcp:projects/iAMMember:IAMMember")[0];
    if (!binding) throw new Error("no IAM binding");
    expect(run.graph.dependsOn(binding, service("iam.googleapis.com"))).toBe(true);
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

describe("deployer check against a local fake of Resource Manager", () => {
  let google: FakeGoogle;
  let granted: string[];
  let home: string;
  beforeAll(async () => {
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
    ]);
    home = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-"));
  });
  afterAll(() => google.close());

  const input = (over: Partial<DeployerCheckInput> = {}): DeployerCheckInput => ({
    project: "my-project",
    roles: DEPLOYER_ROLES,
    providerCredentialKeys: [],
    ...over,
  });
  const opts = (token?: string) => ({
    auth: {
      env: {
        HOME: home,
        METADATA_SERVER_DETECTION: "none",
        ...(token ? { GOOGLE_OAUTH_ACCESS_TOKEN: token } : {}),
      },
    },
    baseUrl: `${google.url}/v1`,
  });
  const all = Object.values(DEPLOYER_ROLES).flat();

  test("all roles held: checked, nothing thrown", async () => {
    granted = all;
    expect(await checkDeployer(input(), opts("ya29.deployer"))).toEqual({
      checked: true,
      note: `deployer (GOOGLE_OAUTH_ACCESS_TOKEN) holds the ${new Set(all).size} permissions checked`,
    });
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

  test("no credentials, provider credentials or an API refusal: a note, never a failure", async () => {
    granted = [];
    const none = await checkDeployer(input(), opts());
    expect(none.checked).toBe(false);
    expect(none.note).toMatch(/^deployer permissions not checked: no Google credentials found/);
    expect(
      await checkDeployer(
        input({ providerCredentialKeys: ["gcp:credentials"] }),
        opts("ya29.deployer"),
      ),
    ).toEqual({
      checked: false,
      note: "deployer permissions not checked: the GCP provider uses its own credentials (gcp:credentials)",
    });
    expect(await checkDeployer(input({ project: "other" }), opts("ya29.deployer"))).toEqual({
      checked: false,
      note: "deployer permissions not checked: testIamPermissions: HTTP 403 PERMISSION_DENIED: Permission denied on resource project other.",
    });
  });

  test("the preflight provider is serializable without SDK modules; diff re-checks on new roles", async () => {
    const serialized = await pulumi.runtime.serializeFunction(() => preflightProvider, {
      allowSecrets: true,
    });
    for (const heavy of ["@pulumi/gcp", "@pulumi/pulumi/", "grpc"])
      expect(serialized.text).not.toContain(heavy);
    const diff = preflightProvider.diff?.bind(preflightProvider);
    if (!diff) throw new Error("diff missing");
    const base = input();
    expect(await diff("id", { ...base, checked: true, note: "n" }, base)).toMatchObject({
      changes: false,
    });
    expect(
      await diff("id", base, { ...base, roles: { ...DEPLOYER_ROLES, "roles/x": ["x.y.z"] } }),
    ).toMatchObject({ changes: true, replaces: [] });
  });
});
