/**
 * Preview from a machine that cannot reach the cluster (a GitHub-hosted runner outside
 * `operatorCidrs`): the job diff falls back to comparing inputs, with a note, after one
 * short try; real misconfiguration (a certificate from another CA, a 4xx) still fails.
 */
import * as net from "net";
import { AddressInfo } from "net";
import {
  ApiError,
  ApiUnreachableError,
  callApi,
  isUnreachable,
  retryDelaysMs,
} from "../components/nomad/apiClient";
import { DIFF_CALL, UNKNOWN } from "../components/nomad/nomadApi";
import { NomadJobOutputs, nomadJobProvider } from "../components/nomad/nomadJob";
import { decideJobDiff } from "../components/nomad/nomadJobDiff";
import { startFakeApi, tlsFixtures } from "./harness/fakeApi";
import { FakeNomad, startFakeNomad } from "./harness/fakeNomad";
import { jobInputs } from "./harness/jobInputs";

const ID = "mesh-gateway@default";
const FALLBACK =
  "the jobspec or its variables differ from the recorded state, so this shows as an update; " +
  "Nomad's planner may find nothing to change, and a new job ID or namespace cannot be seen " +
  "from here (the update then registers the new job and purges the old one)";

/** A state recorded earlier by a real create, and new inputs that edit a variable. */
async function recorded(): Promise<{ outs: NomadJobOutputs; edit: NomadJobOutputs }> {
  const nomad: FakeNomad = await startFakeNomad();
  try {
    const outs = (await nomadJobProvider.create(jobInputs(nomad))).outs as NomadJobOutputs;
    return {
      outs,
      edit: { ...outs, variables: { ...outs.variables, wan_address: "203.0.113.10" } },
    };
  } finally {
    await nomad.api.close();
  }
}

/** A TCP listener that accepts and then holds or resets every connection; counts them. */
async function silentServer(mode: "hold" | "reset") {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    if (mode === "reset") s.resetAndDestroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => sockets.length,
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (connection refused). */
async function closedPort(): Promise<string> {
  const s = await silentServer("hold");
  const url = s.url;
  await s.close();
  return url;
}

let notes: string[];
beforeEach(() => {
  notes = [];
  jest.spyOn(console, "error").mockImplementation((line: string) => void notes.push(line));
});
afterEach(() => jest.restoreAllMocks());

describe("the job diff when the cluster cannot be asked", () => {
  test("unknown connection values (preview): inputs only, with a note, no request", async () => {
    const { outs, edit } = await recorded();
    const diff = await nomadJobProvider.diff!(ID, outs, { ...edit, address: UNKNOWN });
    expect(diff).toEqual({ changes: true, replaces: [] });
    expect(notes).toEqual([
      `note: hashistack:NomadJob ${ID}: compared inputs only (the Nomad address is ` +
        `not known yet): ${FALLBACK}`,
    ]);
  });

  test("connection refused: one try, inputs only, with a note naming the address", async () => {
    const { outs, edit } = await recorded();
    const address = await closedPort();
    const diff = await nomadJobProvider.diff!(ID, { ...outs, address }, { ...edit, address });
    expect(diff).toEqual({ changes: true, replaces: [] });
    expect(notes).toEqual([
      `note: hashistack:NomadJob ${ID}: compared inputs only (Nomad at ${address} did ` +
        `not answer from this machine: ECONNREFUSED): ${FALLBACK}`,
    ]);
    // Unchanged inputs never ask Nomad: no change, no note.
    notes.length = 0;
    expect(await nomadJobProvider.diff!(ID, { ...outs, address }, { ...outs, address })).toEqual({
      changes: false,
      replaces: [],
    });
    expect(notes).toEqual([]);
  });

  test.each([
    ["accepts and never answers (dropped by a firewall on the way back)", "hold", "ETIMEDOUT"],
    ["resets the connection", "reset", "ECONNRESET"],
  ] as const)(
    "a control plane that %s: a single connection, then inputs only",
    async (_, mode, code) => {
      const { outs, edit } = await recorded();
      const server = await silentServer(mode);
      try {
        const quick = { ...DIFF_CALL, timeoutMs: 300 };
        const verdict = await decideJobDiff(
          { ...outs, address: server.url },
          { ...edit, address: server.url },
          quick,
        );
        expect(verdict.result).toEqual({ changes: true, replaces: [] });
        expect(verdict.note).toContain(`did not answer from this machine: ${code}`);
        expect(server.connections()).toBe(1);
      } finally {
        await server.close();
      }
    },
  );
});

describe("real misconfiguration still fails the diff", () => {
  test("a server certificate from another CA", async () => {
    const { outs, edit } = await recorded();
    const nomad = await startFakeNomad();
    try {
      const bad = { ...edit, address: nomad.api.url, caPem: tlsFixtures().otherCaPem };
      await expect(
        nomadJobProvider.diff!(ID, { ...outs, address: nomad.api.url }, bad),
      ).rejects.toThrow(/^parse jobspec: TLS verification failed against the pinned CA: /);
      expect(notes).toEqual([]);
    } finally {
      await nomad.api.close();
    }
  });

  test("a 403 and a jobspec Nomad rejects are errors, not fallbacks", async () => {
    const { outs, edit } = await recorded();
    const api = await startFakeApi({
      "POST /v1/jobs/parse": () => ({ status: 403, body: "Permission denied" }),
    });
    try {
      const err = await nomadJobProvider.diff!(
        ID,
        { ...outs, address: api.url },
        { ...edit, address: api.url },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as Error).message).toBe("parse jobspec: HTTP 403: Permission denied");
    } finally {
      await api.close();
    }
    const nomad = await startFakeNomad();
    try {
      const broken = { ...edit, address: nomad.api.url, jobspec: "!syntax-error" };
      await expect(
        nomadJobProvider.diff!(ID, { ...outs, address: nomad.api.url }, broken),
      ).rejects.toThrow(
        "parse jobspec: HTTP 400: input.hcl:1,1-2: Argument or block definition required",
      );
    } finally {
      await nomad.api.close();
    }
  });

  test("a 5xx during a diff (a leader election during up) is retried a few times, then answered", async () => {
    const { outs, edit } = await recorded();
    let calls = 0;
    const api = await startFakeApi({
      "POST /v1/jobs/parse": (r) =>
        ++calls <= 3
          ? { status: 500, body: "No cluster leader" }
          : {
              status: 200,
              body: {
                ID: "mesh-gateway",
                Namespace: "default",
                Meta: { v: JSON.parse(r.body) as unknown },
              },
            },
      "POST /v1/job/mesh-gateway/plan": () => ({ status: 200, body: { Diff: { Type: "None" } } }),
    });
    try {
      const at = { address: api.url };
      const verdict = await decideJobDiff({ ...outs, ...at }, { ...edit, ...at });
      // Nomad's own answer: the two specs parse differently.
      expect(verdict).toEqual({ result: { changes: true, replaces: [] } });
      expect(api.requests.filter((r) => r.path === "/v1/jobs/parse")).toHaveLength(5);
    } finally {
      await api.close();
    }
  });

  test("a 5xx that lasts: an error after DIFF_CALL's attempts, never the inputs-only fallback", async () => {
    const { outs, edit } = await recorded();
    const api = await startFakeApi({
      "POST /v1/jobs/parse": () => ({ status: 500, body: "No cluster leader" }),
    });
    const quick = { ...DIFF_CALL, retry: { ...DIFF_CALL.retry, baseDelayMs: 5, maxDelayMs: 5 } };
    try {
      await expect(
        decideJobDiff({ ...outs, address: api.url }, { ...edit, address: api.url }, quick),
      ).rejects.toThrow(
        `parse jobspec: failed after ${DIFF_CALL.retry.attempts} attempts; last: HTTP 500: ` +
          "No cluster leader",
      );
      expect(api.requests).toHaveLength(DIFF_CALL.retry.attempts);
    } finally {
      await api.close();
    }
  });

  test("DIFF_CALL's budget: 5xx retries span a few seconds, under ~10 s; no answer is one try", () => {
    const pauses = retryDelaysMs(DIFF_CALL.retry).reduce((a, b) => a + b, 0);
    expect(DIFF_CALL.retry.attempts).toBeGreaterThanOrEqual(4);
    expect(pauses).toBeGreaterThanOrEqual(5000);
    expect(pauses).toBeLessThanOrEqual(10_000);
    expect(DIFF_CALL.retry.retryNoAnswer).toBe(false);
  });
});

describe("callApi outside a diff", () => {
  test("create, update and refresh keep retrying when nothing answers, then say so", async () => {
    const address = await closedPort();
    const err = await callApi(
      { baseUrl: address, path: "/v1/jobs", caPem: tlsFixtures().good.caPem },
      "register job web",
      { attempts: 2, baseDelayMs: 10 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiUnreachableError);
    expect(isUnreachable(err)).toBe(true);
    expect((err as ApiUnreachableError).code).toBe("ECONNREFUSED");
    expect((err as Error).message).toMatch(
      /^register job web: failed after 2 attempts; last: connect ECONNREFUSED 127\.0\.0\.1:\d+$/,
    );
  });
});
