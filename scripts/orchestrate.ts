/**
 * `npm run deploy`'s orchestration, behind a small interface so it is tested offline with a
 * fake (tests/delivery.test.ts); scripts/automation.ts implements it with the Automation API.
 *
 * 1. prepare: every stack is created if missing; the acceptors' outputs are read.
 * 2. platform, every stack at once: a dialer whose acceptor (a stack of this run) does not yet
 *    export a token for it runs with that peer deferred (`hashistack:deferredPeers`, see
 *    components/deferral.ts); a dialer whose acceptor already does runs in full.
 * 3. peering, per dialer, as soon as its own platform and its acceptors' platforms are done:
 *    a plain `pulumi up` when something was deferred or an acceptor's token changed meanwhile
 *    (re-peering), skipped otherwise.
 * A failure lets running steps finish (an interrupted update leaves pending operations),
 * starts nothing new, and names each failed stack and phase. Every step is an idempotent
 * `pulumi up` and the deferral is recomputed from live outputs, so a re-run resumes: finished
 * stacks show no changes and whatever failed is done again.
 */
import { createHash } from "crypto";
import { StackInfo } from "./stackOrder";

/** The Automation API operations the orchestration needs. */
export interface StackOps {
  /** Creates the stack when missing (`createOrSelectStack`); says which happened. */
  ensureStack(stack: string): Promise<"created" | "existing">;
  /** The stack's current outputs, secrets in plain form (kept in memory, never printed). */
  outputs(stack: string): Promise<Record<string, unknown>>;
  /** `pulumi up` with the policy pack; the listed dialer peers deferred for this run only. */
  up(stack: string, opts: { deferredPeers: string[]; label: string }): Promise<void>;
}

/** The two phases of a stack. */
export type Phase = "prepare" | "platform" | "peering";

/** One failed step. */
export interface StepFailure {
  stack: string;
  phase: Phase;
  message: string;
}

/** What a run did. */
export interface DeployResult {
  /** Steps that finished, in completion order (`dc1 platform`, `dc2 peering`, ...). */
  done: string[];
  /** Peering steps skipped because nothing was deferred and no token changed. */
  skipped: string[];
  failures: StepFailure[];
}

/** Output name of the acceptors' tokens (components/peerOutputs.ts), keyed by datacenter. */
const TOKENS = "peeringTokens";

/** A digest of the token an acceptor's outputs hold for `datacenter`, if any. */
export function tokenDigest(
  outputs: Record<string, unknown>,
  datacenter: string,
): string | undefined {
  const tokens = outputs[TOKENS];
  const token =
    tokens && typeof tokens === "object"
      ? (tokens as Record<string, unknown>)[datacenter]
      : undefined;
  return typeof token === "string" && token.length > 0
    ? createHash("sha256").update(token).digest("hex")
    : undefined;
}

/** The dials of a stack whose acceptor is part of this run. */
function localDials(s: StackInfo, names: Set<string>) {
  return s.dials.filter((d) => names.has(d.stack) && d.stack !== s.stack);
}

/**
 * Remote datacenters each stack defers in its platform step: dialed acceptors of this run
 * that export no token for it yet.
 */
export function deferrals(
  stacks: StackInfo[],
  outputs: Record<string, Record<string, unknown>>,
): Record<string, string[]> {
  const names = new Set(stacks.map((s) => s.stack));
  return Object.fromEntries(
    stacks.map((s) => [
      s.stack,
      localDials(s, names)
        .filter((d) => !tokenDigest(outputs[d.stack] ?? {}, s.datacenter))
        .map((d) => d.datacenter),
    ]),
  );
}

/** Human-readable plan, printed before anything runs. */
export function describePlan(stacks: StackInfo[]): string[] {
  const names = new Set(stacks.map((s) => s.stack));
  const lines = [`platform phase (all at once): ${stacks.map((s) => s.stack).join(", ")}`];
  for (const s of stacks) {
    const dials = localDials(s, names);
    if (dials.length > 0)
      lines.push(
        `peering phase: ${s.stack} after ${dials.map((d) => d.stack).join(", ")} (its peering deferred until then)`,
      );
  }
  return lines;
}

const firstLine = (e: unknown) =>
  (e instanceof Error ? e.message : String(e)).trim().split("\n")[0] ?? "";

/** Runs the whole deploy; never throws (failures come back named). */
export async function deployAll(
  stacks: StackInfo[],
  ops: StackOps,
  log: (line: string) => void,
): Promise<DeployResult> {
  const result: DeployResult = { done: [], skipped: [], failures: [] };
  const names = new Set(stacks.map((s) => s.stack));
  const acceptors = [...new Set(stacks.flatMap((s) => localDials(s, names).map((d) => d.stack)))];
  const before: Record<string, Record<string, unknown>> = {};
  // Prepare, one stack at a time: `stack select --create` also selects it in the workspace.
  for (const s of stacks) {
    try {
      if ((await ops.ensureStack(s.stack)) === "created") log(`created stack ${s.stack}`);
      if (acceptors.includes(s.stack)) before[s.stack] = await ops.outputs(s.stack);
    } catch (e) {
      result.failures.push({ stack: s.stack, phase: "prepare", message: firstLine(e) });
      return result;
    }
  }
  const deferred = deferrals(stacks, before);

  const finished = new Set<string>();
  const run = async (stack: string, phase: Phase, body: () => Promise<boolean>) => {
    try {
      if (await body()) {
        finished.add(`${stack} ${phase}`);
        result.done.push(`${stack} ${phase}`);
      } else {
        finished.add(`${stack} ${phase}`);
        result.skipped.push(`${stack} ${phase}`);
      }
    } catch (e) {
      result.failures.push({ stack, phase, message: firstLine(e) });
    }
  };

  const platform = (s: StackInfo) =>
    run(s.stack, "platform", async () => {
      const d = deferred[s.stack] ?? [];
      log(`${s.stack}: platform${d.length > 0 ? ` (peering with ${d.join(", ")} deferred)` : ""}`);
      await ops.up(s.stack, { deferredPeers: d, label: `${s.stack} platform` });
      return true;
    });

  const peering = (s: StackInfo) =>
    run(s.stack, "peering", async () => {
      const dials = localDials(s, names);
      const changed: string[] = [];
      for (const d of dials) {
        const now = tokenDigest(await ops.outputs(d.stack), s.datacenter);
        if (now !== tokenDigest(before[d.stack] ?? {}, s.datacenter)) changed.push(d.stack);
      }
      if ((deferred[s.stack] ?? []).length === 0 && changed.length === 0) {
        log(`${s.stack}: peering already in place (no deferral, tokens unchanged)`);
        return false;
      }
      log(`${s.stack}: peering with ${dials.map((d) => d.datacenter).join(", ")}`);
      await ops.up(s.stack, { deferredPeers: [], label: `${s.stack} peering` });
      return true;
    });

  // Platform steps all start now; each dialer's peering step starts once its own platform
  // and its acceptors' platforms are done, unless something failed by then.
  const platforms = new Map(stacks.map((s) => [s.stack, platform(s)]));
  const peerings = stacks
    .filter((s) => localDials(s, names).length > 0)
    .map(async (s) => {
      const deps = [s.stack, ...localDials(s, names).map((d) => d.stack)];
      for (const dep of deps) await platforms.get(dep);
      if (result.failures.length > 0) return;
      if (!deps.every((dep) => finished.has(`${dep} platform`))) return;
      await peering(s);
    });
  await Promise.all([...platforms.values(), ...peerings]);
  return result;
}
