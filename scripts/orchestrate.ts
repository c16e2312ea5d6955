/**
 * `npm run deploy`'s orchestration, behind a small interface so it is tested offline with a
 * fake (tests/delivery.test.ts); scripts/automation.ts implements it with the Automation API.
 *
 * 1. prepare: the organization bare stack names land in is read, and every stack is named
 *    `<org>/hashistack/<stack>` from then on, which is how the program qualifies a short
 *    dialer entry (`pulumi.getOrganization()` is the deployed stack's organization). A dialer
 *    entry naming a stack of this run under another organization stops the run here: the
 *    run would deploy and read a different stack than the dialer reads. Every stack is
 *    created if missing; acceptors' and dialers' outputs are read.
 * 2. platform, every stack at once: a dialer whose acceptor (a stack of this run) does not yet
 *    export a token for it runs with that peer deferred (`hashistack:deferredPeers`, see
 *    components/config/deferral.ts); a dialer whose acceptor already does runs in full. A peer the
 *    dialer's own outputs show as established is never deferred (the update would delete the
 *    peering): the run stops in prepare instead.
 * 3. peering, per dialer, as soon as its own platform and its acceptors' platforms are done:
 *    a plain `pulumi up` when something was deferred or an acceptor's token changed meanwhile
 *    (re-peering), skipped otherwise.
 * A failure lets running steps finish (an interrupted update leaves pending operations),
 * starts nothing new, and names each failed stack and phase. Every step is an idempotent
 * `pulumi up` and the deferral is recomputed from live outputs, so a re-run resumes: finished
 * stacks show no changes and whatever failed is done again.
 */
import {
  deferralConflicts,
  deferrals,
  localDials,
  organizationProblems,
  Phase,
  qualified,
  StepFailure,
  tokenDigest,
} from "./deployPlan";
import { StackInfo } from "./stackOrder";

export { deferrals, qualified } from "./deployPlan";
export type { Phase, StepFailure } from "./deployPlan";

/** The Automation API operations the orchestration needs. Stacks are fully qualified. */
export interface StackOps {
  /**
   * The organization a stack named without one is created in: the backend's default
   * organization (Pulumi Cloud: `pulumi org set-default`, else the user's own), and
   * `organization` on the file backend.
   */
  organization(): Promise<string>;
  /** Creates the stack when missing (`createOrSelectStack`); says which happened. */
  ensureStack(stack: string): Promise<"created" | "existing">;
  /** The stack's current outputs, secrets in plain form (kept in memory, never printed). */
  outputs(stack: string): Promise<Record<string, unknown>>;
  /** `pulumi up` with the policy pack; the listed dialer peers deferred for this run only. */
  up(stack: string, opts: { deferredPeers: string[]; label: string }): Promise<void>;
}

/** What a run did. */
export interface DeployResult {
  /** Steps that finished, in completion order (`dc1 platform`, `dc2 peering`, ...). */
  done: string[];
  /** Peering steps skipped because nothing was deferred and no token changed. */
  skipped: string[];
  failures: StepFailure[];
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
  for (const [project, sharing] of sharedProjects(stacks))
    lines.push(
      `note: ${sharing.join(", ")} share GCP project ${project}: their platforms write its IAM policy at the same time; ` +
        'the Google provider retries a conflicting write (backoff 1 to 16 s) before it fails with "Too many conflicts", and npm run deploy again resumes',
    );
  return lines;
}

/**
 * GCP projects holding several stacks of the run. Each stack's Google provider serializes
 * its own members of a project's IAM policy (a mutex per policy, per process:
 * tpgiamresource/iam.go iamPolicyReadModifyWrite); stacks deployed at once in one project
 * race on the policy's etag, and the loser retries with backoff (1, 2, 4, 8, 16 s). The run
 * accepts that rather than serializing the platforms, which would double the wall time.
 */
export function sharedProjects(stacks: StackInfo[]): [string, string[]][] {
  const by = new Map<string, string[]>();
  for (const s of stacks)
    if (s.gcpProject) by.set(s.gcpProject, [...(by.get(s.gcpProject) ?? []), s.stack]);
  return [...by.entries()].filter(([, names]) => names.length > 1);
}

const firstLine = (e: unknown) =>
  (e instanceof Error ? e.message : String(e)).trim().split("\n")[0] ?? "";

/** Prepare: every stack created and read under one organization; failures stop the run. */
async function prepare(
  stacks: StackInfo[],
  ops: StackOps,
  log: (line: string) => void,
): Promise<
  | { failures: StepFailure[] }
  | {
      org: string;
      before: Record<string, Record<string, unknown>>;
      deferred: Record<string, string[]>;
    }
> {
  const names = new Set(stacks.map((s) => s.stack));
  let org: string;
  try {
    org = await ops.organization();
  } catch (e) {
    const all = stacks.map((s) => s.stack).join(", ");
    return {
      failures: [
        {
          stack: all,
          phase: "prepare",
          message: `no organization to deploy into: ${firstLine(e)}`,
        },
      ],
    };
  }
  const wrongOrg = organizationProblems(stacks, org);
  if (wrongOrg.length > 0) return { failures: wrongOrg };
  // Acceptors for their tokens, dialers for their established peerings.
  const read = new Set(
    stacks.flatMap((s) => {
      const dials = localDials(s, names);
      return dials.length > 0 ? [s.stack, ...dials.map((d) => d.stack)] : [];
    }),
  );
  const before: Record<string, Record<string, unknown>> = {};
  // One stack at a time: `stack select --create` also selects it in the workspace.
  for (const s of stacks) {
    try {
      const name = qualified(org, s.stack);
      if ((await ops.ensureStack(name)) === "created") log(`created stack ${name}`);
      if (read.has(s.stack)) before[s.stack] = await ops.outputs(name);
    } catch (e) {
      return { failures: [{ stack: s.stack, phase: "prepare", message: firstLine(e) }] };
    }
  }
  const deferred = deferrals(stacks, before);
  const conflicts = deferralConflicts(stacks, before, deferred, org);
  if (conflicts.length > 0) return { failures: conflicts };
  return { org, before, deferred };
}

/** Runs the whole deploy; never throws (failures come back named). */
export async function deployAll(
  stacks: StackInfo[],
  ops: StackOps,
  log: (line: string) => void,
): Promise<DeployResult> {
  const result: DeployResult = { done: [], skipped: [], failures: [] };
  const names = new Set(stacks.map((s) => s.stack));
  const prepared = await prepare(stacks, ops, log);
  if ("failures" in prepared) {
    result.failures.push(...prepared.failures);
    return result;
  }
  const { org, before, deferred } = prepared;

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
      await ops.up(qualified(org, s.stack), { deferredPeers: d, label: `${s.stack} platform` });
      return true;
    });

  const peering = (s: StackInfo) =>
    run(s.stack, "peering", async () => {
      const dials = localDials(s, names);
      const changed: string[] = [];
      for (const d of dials) {
        const now = tokenDigest(await ops.outputs(qualified(org, d.stack)), s.datacenter);
        if (now !== tokenDigest(before[d.stack] ?? {}, s.datacenter)) changed.push(d.stack);
      }
      if ((deferred[s.stack] ?? []).length === 0 && changed.length === 0) {
        log(`${s.stack}: peering already in place (no deferral, tokens unchanged)`);
        return false;
      }
      log(`${s.stack}: peering with ${dials.map((d) => d.datacenter).join(", ")}`);
      await ops.up(qualified(org, s.stack), { deferredPeers: [], label: `${s.stack} peering` });
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
