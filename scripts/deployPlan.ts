/**
 * What `npm run deploy` decides before it deploys anything (scripts/orchestrate.ts): the one
 * name of each stack, which dialer peers wait for their acceptor, and the cases where the
 * run must stop instead (an acceptor named under another organization; a deferral that would
 * delete an established peering). Pure, tested in tests/delivery.test.ts.
 */
import { createHash } from "crypto";
import { PROJECT, StackInfo } from "./stackOrder";

/** The phases of a stack. */
export type Phase = "prepare" | "platform" | "peering";

/** One failed step. */
export interface StepFailure {
  stack: string;
  phase: Phase;
  message: string;
}

/** `<org>/hashistack/<stack>`: the one name every operation uses for a stack of this run. */
export function qualified(org: string, stack: string): string {
  return `${org}/${PROJECT}/${stack}`;
}

/** Output name of the acceptors' tokens (components/peering/peerOutputs.ts), keyed by datacenter. */
const TOKENS = "peeringTokens";
/**
 * Output name of a dialer's established peerings (index.ts), keyed by peer name: a peering
 * in it exists in the stack's state, so a run without that peer would delete it.
 */
export const PEERINGS = "peerings";

/** A dialer's local name for its peer: `<remote-datacenter>-default` (components/config/loadConfig.ts). */
export const peerName = (datacenter: string) => `${datacenter}-default`;

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
export function localDials(s: StackInfo, names: Set<string>) {
  return s.dials.filter((d) => names.has(d.stack) && d.stack !== s.stack);
}

/**
 * Dialer entries naming a stack of this run under an organization other than the one the
 * run deploys into: the dialer would read that stack while the run deploys and reads its
 * namesake, so the run stops before creating anything.
 */
export function organizationProblems(stacks: StackInfo[], org: string): StepFailure[] {
  const names = new Set(stacks.map((s) => s.stack));
  return stacks.flatMap((s) =>
    localDials(s, names)
      .filter((d) => d.org !== undefined && d.org !== org)
      .map((d) => ({
        stack: s.stack,
        phase: "prepare" as const,
        message:
          `hashistack:peers names the acceptor ${qualified(d.org as string, d.stack)}, but this run deploys ${d.stack} as ${qualified(org, d.stack)} ` +
          `(stacks without an organization go to ${org}, the backend's default): nothing was deployed. ` +
          `Make ${d.org} the default (pulumi org set-default ${d.org}), or write the entry as "dialer:${d.datacenter}:${d.stack}" to use ${org}`,
      })),
  );
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

/**
 * Deferrals that would delete a peering: the dialer's own outputs list the peer as
 * established, yet its acceptor exports no token for it (another stack than the one that
 * minted it, or an acceptor that lost its outputs). Never deferred: the run stops instead.
 */
export function deferralConflicts(
  stacks: StackInfo[],
  outputs: Record<string, Record<string, unknown>>,
  deferred: Record<string, string[]>,
  org: string,
): StepFailure[] {
  return stacks.flatMap((s) => {
    const established = outputs[s.stack]?.[PEERINGS];
    const peers = established && typeof established === "object" ? established : {};
    return s.dials
      .filter(
        (d) => (deferred[s.stack] ?? []).includes(d.datacenter) && peerName(d.datacenter) in peers,
      )
      .map((d) => ({
        stack: s.stack,
        phase: "prepare" as const,
        message:
          `its peering ${peerName(d.datacenter)} is established (output "${PEERINGS}"), but ${qualified(org, d.stack)} exports no peering token for ${s.datacenter}: ` +
          `deferring the peer would delete that peering, so nothing was deployed. Check that hashistack:peers names the acceptor stack holding it ` +
          `and that this acceptor has "acceptor:${s.datacenter}" in its hashistack:peers (pulumi up -s ${d.stack}), then run npm run deploy again`,
      }));
  });
}
