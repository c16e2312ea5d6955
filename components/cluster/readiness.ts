/**
 * The readiness check behind the readiness gate: Consul has a leader and accepts the
 * management token over TLS verified against our CA, Nomad has a leader, and the expected
 * number of Nomad clients is ready. Bounded; on timeout the error names every check still
 * failing with the last answer it got, and where each VM's boot is (bootProgress.ts); a VM
 * that reports a failed boot ends the wait at once. Pure of Pulumi, so it is tested against
 * local servers.
 */
import { ApiRequest, apiRequest } from "../nomad/apiClient";
import { BootReportTarget, BootWatchOptions, openBootWatch } from "./bootProgress";

/**
 * Default pause between rounds of checks (scripts/durations.ts reads it for the estimate):
 * the gate passes half of it after the cluster is ready, on average. A round is four small
 * HTTPS requests through the LB.
 */
export const READINESS_POLL_SECONDS = 5;

/** What the gate waits for. */
export interface ReadinessInput {
  consulAddress: string;
  nomadAddress: string;
  caPem: string;
  consulToken: string;
  nomadToken: string;
  expectedClients: number;
  timeoutSeconds: number;
  /** Pause between rounds (default READINESS_POLL_SECONDS). */
  pollSeconds?: number;
  /** The VMs whose guest-attribute boot reports are read while waiting. */
  bootReport?: BootReportTarget;
}

/** One check's latest verdict. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** The last answer, for the error message. */
  detail: string;
}

/** A named check; its name labels the result even when the request itself fails. */
interface Check {
  name: string;
  run: (i: ReadinessInput) => Promise<{ ok: boolean; detail: string }>;
}

function statusDetail(status: number, body: unknown): string {
  return `HTTP ${status} ${typeof body === "string" ? JSON.stringify(body) : JSON.stringify(body ?? null)}`;
}

async function get(i: ReadinessInput, base: string, path: string, token?: ApiRequest["token"]) {
  return apiRequest({
    baseUrl: base,
    path,
    caPem: i.caPem,
    timeoutMs: 10_000,
    ...(token ? { token } : {}),
  });
}

/** `GET /v1/status/leader` answers `"ip:port"` once there is a leader, `""` before. */
function leaderCheck(name: string, pick: (i: ReadinessInput) => string): Check {
  return {
    name,
    run: async (i) => {
      const res = await get(i, pick(i), "/v1/status/leader");
      const ok = res.status === 200 && typeof res.body === "string" && res.body.includes(":");
      return { ok, detail: statusDetail(res.status, res.body) };
    },
  };
}

/** The checks, in order. */
export const CHECKS: Check[] = [
  leaderCheck("consul leader", (i) => i.consulAddress),
  {
    name: "consul management token",
    run: async (i) => {
      const res = await get(i, i.consulAddress, "/v1/acl/token/self", {
        header: "X-Consul-Token",
        value: i.consulToken,
      });
      const ok = res.status === 200;
      // Never echo a token: report only the status and Consul's error text.
      return { ok, detail: ok ? "HTTP 200" : statusDetail(res.status, res.body) };
    },
  },
  leaderCheck("nomad leader", (i) => i.nomadAddress),
  {
    name: "nomad clients ready",
    run: async (i) => {
      const res = await get(i, i.nomadAddress, "/v1/nodes", {
        header: "X-Nomad-Token",
        value: i.nomadToken,
      });
      if (res.status !== 200 || !Array.isArray(res.body)) {
        return { ok: false, detail: statusDetail(res.status, res.body) };
      }
      const nodes = res.body as { Status?: string; SchedulingEligibility?: string }[];
      const ready = nodes.filter(
        (n) => n.Status === "ready" && n.SchedulingEligibility === "eligible",
      ).length;
      return {
        ok: ready >= i.expectedClients,
        detail: `${ready} of ${i.expectedClients} expected clients ready (${nodes.length} registered)`,
      };
    },
  },
];

/** Runs one round of every check; a network error is a failed check, not an exception. */
export async function checkOnce(i: ReadinessInput): Promise<CheckResult[]> {
  return Promise.all(
    CHECKS.map(async (c) => {
      try {
        return { name: c.name, ...(await c.run(i)) };
      } catch (e) {
        return { name: c.name, ok: false, detail: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
}

/**
 * Waits until every check passes, or throws naming each failing check and its last answer
 * (and each VM's boot step). Throws as soon as a VM reports a failed boot, quoting it.
 * `boot` points the boot-progress reader elsewhere (tests); the provider passes nothing.
 */
export async function waitUntilReady(
  i: ReadinessInput,
  boot: BootWatchOptions = {},
): Promise<CheckResult[]> {
  const deadline = Date.now() + i.timeoutSeconds * 1000;
  const poll = (i.pollSeconds ?? READINESS_POLL_SECONDS) * 1000;
  const watch = i.bootReport ? openBootWatch(i.bootReport, boot) : undefined;
  for (;;) {
    const [results] = await Promise.all([checkOnce(i), watch?.refresh()]);
    const failure = watch?.failure();
    if (failure) throw new Error(failure);
    if (results.every((r) => r.ok)) return results;
    if (Date.now() + poll > deadline) {
      const failing = results.filter((r) => !r.ok).map((r) => `  - ${r.name}: ${r.detail}`);
      throw new Error(
        [
          `datacenter not ready after ${i.timeoutSeconds} s (consul ${i.consulAddress}, nomad ${i.nomadAddress}); still failing:`,
          ...failing,
          ...(watch ? [watch.describe()] : []),
        ].join("\n"),
      );
    }
    await new Promise((r) => setTimeout(r, poll));
  }
}
