import {
  API_PROBES,
  API_WAIT_SECONDS,
  Clock,
  classifyProbe,
  waitForApis,
} from "../components/gcp/apiReadiness";
import { requiredApis } from "../components/gcp/projectServices";
import { TokenSource } from "../components/gcp/gcpTokens";
import {
  ApiProbeState,
  FakeAnswer,
  FakeGoogle,
  apiError,
  apiProbeRoutes,
  serviceDisabled,
  startFakeGoogle,
} from "./harness/fakeGoogle";
import { fakeClock } from "./harness/fakeClock";

const TOKEN = "ya29.deployer";
const APIS = requiredApis({ sshViaIap: false });

describe("waiting until the enabled APIs answer (local fake of the four APIs)", () => {
  let fake: FakeGoogle;
  let state: ApiProbeState;
  beforeEach(async () => {
    state = {
      project: "my-project",
      projectNumber: "123456789012",
      token: TOKEN,
      disabledFor: {},
    };
    fake = await startFakeGoogle(apiProbeRoutes(state));
  });
  afterEach(() => fake.close());

  const tokens = (quotaProject?: string): TokenSource => ({
    origin: "test",
    ...(quotaProject ? { quotaProject } : {}),
    token: async () => TOKEN,
  });
  const opts = (clock: Clock, over: { quota?: string; timeoutSeconds?: number } = {}) => ({
    tokens: tokens(over.quota),
    root: (api: string) => `${fake.url}/${api}`,
    clock,
    ...(over.timeoutSeconds !== undefined ? { timeoutSeconds: over.timeoutSeconds } : {}),
  });
  const probesOf = (api: string) =>
    fake.requests.filter((r) => r.path.startsWith(`/${api}/`)).length;

  test("APIs still spreading answer SERVICE_DISABLED: probed again with backoff until they serve", async () => {
    state.disabledFor = { "secretmanager.googleapis.com": 3, "compute.googleapis.com": 1 };
    const clock = fakeClock();
    const result = await waitForApis("my-project", APIS, opts(clock, { quota: "billing-proj" }));
    expect(result).toEqual({
      probed: true,
      note: "APIs answering in my-project: compute.googleapis.com, iam.googleapis.com, cloudresourcemanager.googleapis.com, secretmanager.googleapis.com",
    });
    expect(clock.slept).toEqual([2000, 4000, 8000]);
    // An API that answered is not asked again.
    expect(probesOf("secretmanager.googleapis.com")).toBe(4);
    expect(probesOf("compute.googleapis.com")).toBe(2);
    expect(probesOf("iam.googleapis.com")).toBe(1);
    for (const r of fake.requests) {
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.headers["x-goog-user-project"]).toBe("billing-proj");
    }
    expect(fake.requests.find((r) => r.path.includes("/secrets"))?.query.get("pageSize")).toBe("1");
  });

  test("bounded: after the timeout the error names each API still disabled and its answer", async () => {
    state.disabledFor = { "iam.googleapis.com": 10_000 };
    const clock = fakeClock();
    const err = await waitForApis("my-project", APIS, opts(clock)).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(clock.t).toBeLessThanOrEqual(API_WAIT_SECONDS * 1000);
    expect(clock.t).toBeGreaterThan((API_WAIT_SECONDS - 10) * 1000);
    expect(err?.message).toBe(
      [
        `APIs this stack enabled in project my-project still do not answer after ${API_WAIT_SECONDS} s:`,
        "  - iam.googleapis.com: HTTP 403 PERMISSION_DENIED: Identity and Access Management (IAM) API has not been used in project 123456789012 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/iam.googleapis.com/overview?project=123456789012 then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.",
        "An enablement can take several minutes to reach every Google service, longest in a new project: run pulumi up again (no GCP resource but the API enablements was created).",
      ].join("\n"),
    );
  });

  test("disabled in another project (the credentials' quota project): fails at once, naming it", async () => {
    state.disabledFor = { "secretmanager.googleapis.com": 10_000 };
    state.consumer = { "secretmanager.googleapis.com": "projects/555" };
    const clock = fakeClock();
    const err = await waitForApis("my-project", APIS, opts(clock)).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(clock.slept).toEqual([]);
    expect(err?.message.split("\n")).toEqual([
      expect.stringMatching(
        /^secretmanager\.googleapis\.com answers as disabled for projects\/555, not for project my-project where this stack enabled it: HTTP 403 PERMISSION_DENIED: Secret Manager API has not been used in project 555 /,
      ),
      "projects/555 is the quota project of your credentials (the service account's own project, GOOGLE_CLOUD_QUOTA_PROJECT, or the ADC file's quota_project_id).",
      "Enable it there (gcloud services enable secretmanager.googleapis.com --project <that project>), or make my-project the quota project: gcloud auth application-default set-quota-project my-project",
    ]);
  });

  test("a consumer given by project id or number is this project: still waiting, not failing", async () => {
    state.disabledFor = { "compute.googleapis.com": 1, "iam.googleapis.com": 1 };
    state.consumer = {
      "compute.googleapis.com": "projects/my-project",
      "iam.googleapis.com": "projects/123456789012",
    };
    const clock = fakeClock();
    expect((await waitForApis("my-project", APIS, opts(clock))).probed).toBe(true);
    expect(clock.slept).toEqual([2000]);
  });

  test("503 and 429 are retried; a 401 or a failing token ends probing (the caller pauses instead)", async () => {
    state.answers = {
      "iam.googleapis.com": [apiError(503, "UNAVAILABLE", "try later")],
      "secretmanager.googleapis.com": [apiError(429, "RESOURCE_EXHAUSTED", "quota")],
    };
    const clock = fakeClock();
    expect((await waitForApis("my-project", APIS, opts(clock))).probed).toBe(true);
    expect(probesOf("iam.googleapis.com")).toBe(2);
    expect(probesOf("secretmanager.googleapis.com")).toBe(2);
    expect(clock.slept).toEqual([2000]);

    state.answers = {
      "compute.googleapis.com": [apiError(401, "UNAUTHENTICATED", "expired")],
    };
    expect(await waitForApis("my-project", APIS, opts(fakeClock()))).toEqual({
      probed: false,
      note: "APIs not probed: compute.googleapis.com: HTTP 401 UNAUTHENTICATED: expired",
    });
    const failing: TokenSource = {
      origin: "x",
      token: () => Promise.reject(new Error("x: token request to oauth2 failed: HTTP 400")),
    };
    expect(await waitForApis("my-project", APIS, { tokens: failing, clock: fakeClock() })).toEqual({
      probed: false,
      note: "APIs not probed: x: token request to oauth2 failed: HTTP 400",
    });
  });

  test("an API no resource uses (IAP) is enabled but not waited for", async () => {
    const withIap = requiredApis({ sshViaIap: true });
    const result = await waitForApis("my-project", withIap, opts(fakeClock()));
    expect(result.note).toMatch(/\(not probed, no resource uses them: iap\.googleapis\.com\)$/);
    expect(fake.requests.some((r) => r.path.includes("iap"))).toBe(false);
  });
});

describe("what a probe's answer means", () => {
  test("SERVICE_DISABLED (ErrorInfo), accessNotConfigured or the message: disabled; other errors: serving", () => {
    const res = (a: FakeAnswer) => ({ status: a.status, body: a.body });
    const disabled = serviceDisabled("compute.googleapis.com", "projects/42");
    expect(classifyProbe(res(disabled))).toMatchObject({
      state: "disabled",
      consumer: "projects/42",
    });
    const legacy = {
      status: 403,
      body: {
        error: { message: "Access Not Configured.", errors: [{ reason: "accessNotConfigured" }] },
      },
    };
    expect(classifyProbe(legacy).state).toBe("disabled");
    const denied = apiError(403, "PERMISSION_DENIED", "Required 'compute.regions.list' permission");
    expect(classifyProbe(res(denied))).toEqual({ state: "serving" });
    expect(classifyProbe(res(apiError(404, "NOT_FOUND", "x")))).toEqual({ state: "serving" });
    expect(classifyProbe({ status: 429, body: undefined }).state).toBe("retry");
    expect(classifyProbe({ status: 200, body: { projectId: "p", projectNumber: "77" } })).toEqual({
      state: "serving",
      projectNumber: "77",
    });
  });

  test("every API a stack enables and a resource uses has a probe", () => {
    for (const api of requiredApis({ sshViaIap: true }).filter((a) => a !== "iap.googleapis.com"))
      expect([api, typeof API_PROBES[api]]).toEqual([api, "function"]);
  });
});
