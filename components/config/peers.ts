/**
 * Peering and what hangs on it: the peers list, the peers a deployment defers, the
 * Enterprise licenses (sameness groups need Consul's), the failover mode and the peering
 * generation. Pure checks over a {@link ConfigReader}; the entries are parsed by
 * `peerSpec.ts`, the deferral by `deferral.ts`, the licenses by `licenses.ts`.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFERRED_PEERS_KEY, parseDeferredPeers } from "./deferral";
import { licenseValues } from "./licenses";
import { PeerContext, parsePeers } from "./peerSpec";
import { Checked, ConfigReader } from "./reader";
import { FAILOVER_MODES, FailoverMode, LicenseKey, PROJECT, PeerConfig, RawConfig } from "./types";

/** Peering as parsed (meaningful only when no problem was found). */
export interface Peering {
  peers: PeerConfig[];
  /** Dialed remote datacenters this run leaves out (`deferral.ts`). */
  deferredPeers: string[];
  /** The licenses that count, as Pulumi secrets. */
  licenses: Partial<Record<LicenseKey, pulumi.Output<string>>>;
  failoverMode: FailoverMode;
  peeringGeneration: number;
}

/** Who is running, from the raw config: resolves short dialer entries (`peerSpec.ts`). */
function peerContext(raw: RawConfig, stack: string): PeerContext {
  return {
    stack,
    project: raw.project ?? PROJECT,
    ...(raw.organization ? { organization: raw.organization } : {}),
  };
}

/**
 * The failover mode: one of {@link FAILOVER_MODES}; not "none" only with a peer to fail
 * over to (`noPeers`: the list is really empty, a refused entry is reported as itself), and
 * "sameness-group" only with a Consul Enterprise license.
 */
function failover(
  r: ConfigReader,
  noPeers: boolean,
  consulLicense: boolean,
  licenseSet: boolean,
): FailoverMode | undefined {
  const failoverMode = FAILOVER_MODES.find((m) => m === r.value("failoverMode"));
  if (!failoverMode) r.fail("failoverMode", FAILOVER_MODES.join(", "));
  if (failoverMode && failoverMode !== "none" && noPeers)
    r.fail("failoverMode", `"none" when hashistack:peers is empty (failover needs a peer)`);
  if (failoverMode === "sameness-group" && !consulLicense) {
    const blank = licenseSet ? " (it is set but blank, which means none)" : "";
    r.fail(
      "failoverMode",
      `"none" or "resolver": sameness groups are Consul Enterprise only; set hashistack:consulLicense (secret) to use them${blank}`,
    );
  }
  return failoverMode;
}

/**
 * The peers of datacenter `datacenter` (run as stack `stack`), the deferred ones, the
 * licenses, the failover mode and the peering generation, in that order.
 */
export function checkPeers(
  r: ConfigReader,
  raw: RawConfig,
  stack: string,
  datacenter: string,
): Checked<Peering> {
  const parsed = parsePeers(r.value("peers") ?? "[]", datacenter, peerContext(raw, stack));
  for (const p of parsed.problems)
    r.failWith(p.index === undefined ? "peers" : `peers[${p.index}]`, p.allowed, p.received);
  // Set only by npm run deploy's platform phase (components/config/deferral.ts).
  const deferral = parseDeferredPeers(r.value(DEFERRED_PEERS_KEY), parsed.peers);
  r.add(deferral.problems);
  const licenses = licenseValues(raw, r.problems);
  const noPeers = parsed.listOk && parsed.problems.length === 0 && parsed.peers.length === 0;
  const failoverMode = failover(
    r,
    noPeers,
    licenses.consulLicense !== undefined,
    raw.consulLicense !== undefined,
  );
  const peeringGeneration = r.integer("peeringGeneration", 1, 1_000_000);
  return r.result({
    peers: parsed.peers,
    deferredPeers: deferral.deferred,
    licenses,
    failoverMode: failoverMode ?? "none",
    peeringGeneration,
  });
}
