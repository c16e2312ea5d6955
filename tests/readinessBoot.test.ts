import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  BOOT_POLL_SECONDS,
  BootWatchOptions,
  openBootWatch,
} from "../components/cluster/bootProgress";
import {
  READINESS_POLL_SECONDS,
  ReadinessInput,
  waitUntilReady,
} from "../components/cluster/readiness";
import { Route } from "./harness/fakeApi";
import {
  apiError,
  ComputeState,
  computeRoutes,
  FakeGoogle,
  startFakeGoogle,
} from "./harness/fakeGoogle";
import { runProgram } from "./harness/program";
import { useReadinessServers } from "./harness/readinessServers";

const ACCESS_TOKEN = "ya29.deployer-access-token";
const REGION = "europe-west1";

const readyConsul: Record<string, Route> = {
  "GET /v1/status/leader": () => ({ status: 200, body: "10.2.0.5:8300" }),
  "GET /v1/acl/token/self": () => ({ status: 200, body: { AccessorID: "a" } }),
};
const readyNomad: Record<string, Route> = {
  "GET /v1/status/leader": () => ({ status: 200, body: "10.2.0.5:4647" }),
  "GET /v1/nodes": () => ({
    status: 200,
    body: [{ ID: "n0", Status: "ready", SchedulingEligibility: "eligible" }],
  }),
};
const noLeader: Record<string, Route> = {
  ...readyConsul,
  "GET /v1/status/leader": () => ({ status: 200, body: "" }),
};

/** Three servers and a client at different points of their boot. */
function computeState(): ComputeState {
  return {
    project: "my-project",
    region: REGION,
    token: ACCESS_TOKEN,
    groups: {
      "dc1-servers": [
        { name: "dc1-server-a1", zone: `${REGION}-b` },
        { name: "dc1-server-b2", zone: `${REGION}-c` },
        { name: "dc1-server-c3", zone: `${REGION}-d`, status: "STAGING" },
      ],
      "dc1-clients": [
        { name: "dc1-client-d4", zone: `${REGION}-b` },
        // Being created: the group already gave it a name (its URL exists), not yet a status.
        { name: "dc1-client-e5", zone: `${REGION}-c`, exists: false },
        // Being created, not even named yet.
        { zone: `${REGION}-b`, exists: false },
      ],
    },
    attributes: {
      "dc1-server-a1": { "hashistack/boot-status": "running", "hashistack/boot-step": "configs" },
      "dc1-server-b2": { "hashistack/boot-status": "ready", "hashistack/boot-step": "done" },
      "dc1-client-d4": {
        "hashistack/boot-status": "running",
        "hashistack/boot-step": "packages",
        "other/boot-status": "failed",
      },
    },
  };
}

describe("readiness gate reads the VMs' boot reports (local fake of the Compute API)", () => {
  const servers = useReadinessServers();
  let google: FakeGoogle;
  let state: ComputeState;
  let home: string;
  beforeEach(async () => {
    state = computeState();
    google = await startFakeGoogle(computeRoutes(state));
    home = fs.mkdtempSync(path.join(os.tmpdir(), "gate-"));
  });
  afterEach(async () => {
    await google.close();
  });

  const input = (consul: Record<string, Route>, over: Partial<ReadinessInput> = {}) =>
    servers.input(consul, readyNomad, {
      expectedClients: 1,
      timeoutSeconds: 0.6,
      bootReport: { project: "my-project", region: REGION, groups: ["dc1-servers", "dc1-clients"] },
      ...over,
    });
  const withToken = (over: Partial<BootWatchOptions> = {}): BootWatchOptions => ({
    auth: { env: { HOME: home, GOOGLE_OAUTH_ACCESS_TOKEN: ACCESS_TOKEN } },
    computeBaseUrl: `${google.url}/compute/v1`,
    pollSeconds: 0.1,
    ...over,
  });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: Error) => e,
    );

  test("on timeout, the error shows which step each VM is in", async () => {
    const err = await failure(waitUntilReady(await input(noLeader), withToken()));
    expect(err?.message).toContain('  - consul leader: HTTP 200 ""');
    expect(err?.message).toContain(
      [
        "Boot progress (guest attributes hashistack/*, groups dc1-servers, dc1-clients):",
        `  - dc1-server-a1 (${REGION}-b): step configs, running`,
        `  - dc1-server-b2 (${REGION}-c): boot script finished`,
        `  - dc1-server-c3 (${REGION}-d): no boot report yet (instance STAGING)`,
        `  - dc1-client-d4 (${REGION}-b): step packages, running`,
        `  - dc1-client-e5 (${REGION}-c): instance not created yet (CREATING)`,
        "  - dc1-clients: an instance not created yet (CREATING)",
      ].join("\n"),
    );
    // An instance that does not exist yet costs no guest-attribute query.
    expect(google.requests.some((r) => r.path.includes("/dc1-client-e5/"))).toBe(false);
    // The deployer's token went to the API in the header, and nowhere into the message.
    const reads = google.requests.filter((r) => r.path.endsWith("/getGuestAttributes"));
    expect(reads.length).toBeGreaterThan(0);
    for (const r of google.requests) expect(r.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    for (const r of reads) expect(r.query.get("queryPath")).toBe("hashistack/");
    expect(err?.message).not.toContain(ACCESS_TOKEN);
  });

  test("a VM reporting a failure ends the wait within the poll interval, quoting step and message", async () => {
    const i = await input(noLeader, { timeoutSeconds: 60 });
    const reported = new Promise<number>((resolve) =>
      setTimeout(() => {
        state.attributes["dc1-server-a1"] = {
          "hashistack/boot-status": "failed",
          "hashistack/boot-step": "packages",
          "hashistack/boot-error":
            "packages: apt-get install consul=9.9.9-1: E: Version '9.9.9-1' for 'consul' was not found",
        };
        resolve(Date.now());
      }, 300),
    );
    const err = await failure(waitUntilReady(i, withToken()));
    const failedAt = Date.now();
    expect(failedAt - (await reported)).toBeLessThan(5_000); // the timeout is 60 s
    expect(err?.message.split("\n").slice(0, 3)).toEqual([
      `boot failed on dc1-server-a1 (${REGION}-b, group dc1-servers) at step packages: ` +
        "packages: apt-get install consul=9.9.9-1: E: Version '9.9.9-1' for 'consul' was not found",
      `  serial console: gcloud compute instances get-serial-port-output dc1-server-a1 --zone ${REGION}-b --project my-project`,
      "Boot progress:",
    ]);
    expect(err?.message).toContain(`  - dc1-server-b2 (${REGION}-c): boot script finished`);
  });

  test("guest attributes are read at the boot-report interval, not at every check round", async () => {
    const i = await input(noLeader, { timeoutSeconds: 1, pollSeconds: 0.02 });
    await failure(waitUntilReady(i, withToken({ pollSeconds: 0.25 })));
    const perVm = google.requests.filter((r) => r.path.includes("/dc1-server-a1/")).length;
    // About 1 s / 0.25 s reads, although the checks ran some 40 rounds.
    expect(perVm).toBeGreaterThanOrEqual(2);
    expect(perVm).toBeLessThanOrEqual(6);
  });

  test("at the default interval (fake clock): at most 4 reads a minute per VM, a failure seen within 20 s", async () => {
    let now = 0;
    const watch = openBootWatch(
      { project: "my-project", region: REGION, groups: ["dc1-servers"] },
      { ...withToken(), pollSeconds: undefined, now: () => now },
    );
    const reads = () =>
      google.requests.filter((r) => r.path.endsWith("/dc1-server-a1/getGuestAttributes")).length;
    // The gate may call refresh as often as it likes: here once per simulated second.
    for (; now < 60_000; now += 1000) await watch.refresh();
    // The guide's use-case ceiling is 10 queries per minute per VM; the VM writes some too.
    const firstMinute = reads();
    expect(firstMinute).toBe(4);
    state.attributes["dc1-server-a1"] = {
      "hashistack/boot-status": "failed",
      "hashistack/boot-step": "secrets",
      "hashistack/boot-error": "secrets: PERMISSION_DENIED",
    };
    const reportedAt = now;
    // At the gate's own cadence.
    while (!watch.failure() && now < reportedAt + 120_000) {
      now += READINESS_POLL_SECONDS * 1000;
      await watch.refresh();
    }
    const seenAfter = now - reportedAt;
    expect(watch.failure()).toMatch(/^boot failed on dc1-server-a1 .* at step secrets/);
    expect(seenAfter).toBeLessThanOrEqual(20_000);
    process.stdout.write(
      `boot progress at defaults: ${firstMinute} reads of one VM per minute; a failure seen ${seenAfter / 1000} s after it was written (poll ${BOOT_POLL_SECONDS} s, gate round ${READINESS_POLL_SECONDS} s)\n`,
    );
  });

  test("without credentials the gate waits as before and says why progress is unavailable", async () => {
    const none: BootWatchOptions = {
      auth: { env: { HOME: home, METADATA_SERVER_DETECTION: "none" } },
      computeBaseUrl: `${google.url}/compute/v1`,
      pollSeconds: 0.1,
    };
    const results = await waitUntilReady(await input(readyConsul), none);
    expect(results.every((r) => r.ok)).toBe(true);
    const err = await failure(waitUntilReady(await input(noLeader), none));
    expect(err?.message).toContain('  - consul leader: HTTP 200 ""\n');
    expect(err?.message).toMatch(
      /\nBoot progress unavailable: no Google credentials found \(GOOGLE_OAUTH_ACCESS_TOKEN, GOOGLE_CREDENTIALS and GOOGLE_APPLICATION_CREDENTIALS unset, no gcloud ADC file at .*, not on Google Cloud\)$/,
    );
    expect(google.requests).toHaveLength(0);
  });

  test("an API refusal is a note, not a failure: the gate still waits and passes", async () => {
    state.refuse = apiError(
      403,
      "PERMISSION_DENIED",
      "Required 'compute.instanceGroupManagers.get' permission for 'projects/my-project/regions/europe-west1/instanceGroupManagers/dc1-servers'",
    );
    expect((await waitUntilReady(await input(readyConsul), withToken())).length).toBe(4);
    const err = await failure(waitUntilReady(await input(noLeader), withToken()));
    expect(err?.message).toContain(
      "\nBoot progress unavailable: list instances of dc1-servers: HTTP 403 PERMISSION_DENIED: Required 'compute.instanceGroupManagers.get' permission",
    );
  });

  test("a gate without a boot-report target reads nothing (as before)", async () => {
    const i = await input(noLeader);
    delete i.bootReport;
    const err = await failure(waitUntilReady(i, withToken()));
    expect(err?.message).not.toContain("Boot progress");
    expect(google.requests).toHaveLength(0);
  });
});

describe("boot reporting in the program", () => {
  test.each(["dc1", "dc2"])(
    "%s: the gate follows both MIGs by name; guest attributes are enabled on the templates",
    async (stack) => {
      const run = await runProgram({ stack });
      if (run.error) throw run.error;
      const gate = run.graph.get(`${stack}-readiness`);
      expect(gate.inputs.bootReport).toEqual({
        project: `my-gcp-project-${stack}`,
        region: stack === "dc1" ? "europe-southwest1" : "europe-west1",
        groups: [`${stack}-servers`, `${stack}-clients`],
      });
      for (const role of ["servers", "clients"]) {
        const metadata = run.graph.get(`${stack}-${role}-template`).inputs.metadata as Record<
          string,
          string
        >;
        expect(metadata["enable-guest-attributes"]).toBe("TRUE");
      }
      // Only the two tokens are secret inputs of the gate; no credential is an input at all.
      expect(Object.keys(gate.inputs).sort()).toEqual(
        [
          "__provider",
          "bootReport",
          "caPem",
          "consulAddress",
          "consulToken",
          "expectedClients",
          "nomadAddress",
          "nomadToken",
          "timeoutSeconds",
        ].sort(),
      );
    },
  );
});
