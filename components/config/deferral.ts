/**
 * Deferred peering: `npm run deploy` brings up every datacenter's platform at once, so a
 * dialer may run while its acceptor has not yet exported a peering token. For that run the
 * orchestrator sets `hashistack:deferredPeers` (through a temporary config file, never the
 * committed stack file) to the remote datacenters whose dialer peering must wait; the
 * program then leaves those peers out: no StackReference read, no peering, no ACTIVE wait,
 * and no exports, failover entries or intentions naming them. One exception, on purpose:
 * index.ts builds the frontend's upstream list (`<service>.virtual.<peer>.peer.consul`) from
 * every configured peer, deferred or not, so the frontend job is the same in both phases
 * and completing the peering does not redeploy it; until then that upstream does not
 * resolve. A later run without the key (the orchestrator's peering phase, or a plain
 * `pulumi up`) adds the rest.
 * Pure, so it is unit-tested without the Pulumi runtime.
 */
import { ConfigProblem, PeerConfig } from "./types";

/** The config key, without the project namespace. */
export const DEFERRED_PEERS_KEY = "deferredPeers";

/**
 * Validates the raw `hashistack:deferredPeers` value (a JSON list, `[]` by default): each
 * entry must be a remote datacenter this stack dials, once. Acceptor peers are never
 * deferred: their tokens are what the dialers wait for.
 */
export function parseDeferredPeers(
  raw: string | undefined,
  peers: PeerConfig[],
): { deferred: string[]; problems: ConfigProblem[] } {
  const key = `hashistack:${DEFERRED_PEERS_KEY}`;
  const dialed = peers.filter((p) => p.role === "dialer").map((p) => p.datacenter);
  const allowed =
    `a JSON list of remote datacenters this stack dials (${dialed.length > 0 ? dialed.join(", ") : "none"}), ` +
    "each once; set only by npm run deploy for its platform phase";
  let list: unknown;
  try {
    list = JSON.parse(raw ?? "[]");
  } catch {
    list = undefined;
  }
  const problem = { key, received: JSON.stringify(raw), allowed };
  if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) {
    return { deferred: [], problems: [problem] };
  }
  const strings = list;
  if (strings.some((d) => !dialed.includes(d)) || new Set(strings).size !== strings.length) {
    return { deferred: [], problems: [problem] };
  }
  return { deferred: strings, problems: [] };
}

/** The peers this run sets up: all of them but the deferred dialers. */
export function activePeers(peers: PeerConfig[], deferred: string[]): PeerConfig[] {
  return peers.filter((p) => !(p.role === "dialer" && deferred.includes(p.datacenter)));
}

/** The message a deferred run shows in its preview and update (a stack diagnostic). */
export function deferralNotice(peers: PeerConfig[], deferred: string[]): string | undefined {
  const names = peers
    .filter((p) => p.role === "dialer" && deferred.includes(p.datacenter))
    .map((p) => `${p.peerName} (token from ${p.stack ?? p.datacenter})`);
  if (names.length === 0) return undefined;
  return (
    `peering deferred for ${names.join(", ")}: this run creates nothing peer-related for ` +
    "them (no stack reference, peering, ACTIVE wait, exports, failover or peer intentions); " +
    "npm run deploy adds them once the acceptor has finished (or run pulumi up without hashistack:deferredPeers)"
  );
}
