/**
 * Stack configuration: reads every key the program reads and turns it into one typed
 * `StackConfig`, or one error listing every problem.
 *
 * The rules live by concern in sibling modules (`counts.ts`, `networkChecks.ts`,
 * `gateways.ts`, `versions.ts`, `peers.ts`, `gcp.ts`, `boot.ts`), each parsing its keys
 * through a `ConfigReader` (`reader.ts`; defaults in `keys.ts`). `validateConfig` composes
 * them in a fixed order, collects their problems and assembles the result; it is pure (raw
 * strings in, typed object or one aggregated error out), so the whole matrix of bad inputs
 * is unit-tested without the Pulumi runtime. `loadConfig` is the only code that touches
 * `pulumi.Config`; it runs before any resource is created, so bad input never leaves a
 * half-built stack behind.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkReadiness } from "./boot";
import { checkCounts, checkFit, checkReplicas } from "./counts";
import { checkGateways, checkGatewayReach } from "./gateways";
import { checkGcp } from "./gcp";
import { KNOWN_KEYS } from "./keys";
import { checkNetworks } from "./networkChecks";
import { checkPeers } from "./peers";
import { Checked, ConfigReader } from "./reader";
import {
  ConfigError,
  ConfigProblem,
  DC_ALLOWED,
  DC_RE,
  LICENSE_KEYS,
  LicenseKey,
  PROJECT,
  RawConfig,
  RawSecret,
  StackConfig,
} from "./types";
import { checkVersions } from "./versions";

export * from "./types";

/** Every key set is one the program reads: a misspelled key would otherwise be ignored. */
function checkKnownKeys(r: ConfigReader, set: readonly string[]): ConfigProblem[] {
  for (const k of set)
    if (!KNOWN_KEYS.includes(k)) r.fail(k, `one of the known keys: ${KNOWN_KEYS.join(", ")}`);
  return r.problems;
}

/**
 * Validates raw config into a `StackConfig`. Collects every problem and throws one
 * `ConfigError` listing them all, each with the key, the received value and what is allowed.
 * The checks run in this fixed order, which is the order the problems are listed in. Each
 * reads its concern's keys and sees the problems found before it, so a rule across keys
 * skips a key that already failed its own check (no echo problems).
 */
export function validateConfig(raw: RawConfig, stack: string): StackConfig {
  const found: ConfigProblem[] = [];
  const step = <T>(check: (r: ConfigReader) => Checked<T>): T => {
    const { value, problems } = check(new ConfigReader(raw.values, found));
    found.push(...problems);
    return value;
  };
  const only = (check: (r: ConfigReader) => ConfigProblem[]): void =>
    step((r) => ({ value: undefined, problems: check(r) }));

  only((r) => checkKnownKeys(r, Object.keys(raw.values)));
  const gcp = step(() => checkGcp(raw));
  const datacenter = step((r) => r.result(r.pattern("datacenter", DC_RE, DC_ALLOWED)));
  const counts = step(checkCounts);
  const networks = step(checkNetworks);
  const gateways = step(checkGateways);
  const versions = step(checkVersions);
  const peering = step((r) => checkPeers(r, raw, stack, datacenter));
  const replicas = step(checkReplicas);
  const readinessTimeoutMinutes = step(checkReadiness);
  const use = { peers: peering.peers.length, frontend: replicas.frontend };
  only((r) => checkGatewayReach(r, gateways, use));
  only((r) => checkFit(r, networks.subnet, counts, replicas));
  const protectCluster = step((r) => r.result(r.flag("protectCluster")));
  if (found.length > 0) throw new ConfigError(stack, found);

  const { peers, deferredPeers, licenses, failoverMode, peeringGeneration } = peering;
  return {
    ...gcp,
    datacenter,
    serverCount: counts.serverCount as 3 | 5,
    clientCount: counts.clientCount,
    serverMachineType: counts.serverMachineType,
    clientMachineType: counts.clientMachineType,
    serverDiskSizeGb: counts.serverDiskSizeGb,
    subnetCidr: networks.subnetCidr,
    nomadBridgeCidr: networks.nomadBridgeCidr,
    operatorCidrs: networks.operatorCidrs,
    ...gateways,
    ...versions,
    ...licenses,
    peers,
    failoverMode,
    peeringGeneration,
    replicas,
    readinessTimeoutMinutes,
    deferredPeers,
    protectCluster,
  };
}

/**
 * Whether the CLI passed a config key as a secret. The Node.js language host lists them in
 * PULUMI_CONFIG_SECRET_KEYS, read by the SDK's (internal) `isConfigSecret`; should that
 * function ever disappear, every key counts as secret (nothing is refused wrongly).
 */
function isConfigSecret(fullKey: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require("@pulumi/pulumi/runtime/config") as {
    isConfigSecret?: (k: string) => boolean;
  };
  return sdk.isConfigSecret ? sdk.isConfigSecret(fullKey) : true;
}

/** `pulumi.getOrganization()`, or undefined when the CLI passed none. */
function currentOrganization(): string | undefined {
  try {
    return pulumi.getOrganization();
  } catch {
    return undefined;
  }
}

/**
 * Reads this stack's configuration from Pulumi and validates it. The only place in the
 * program that reads `pulumi.Config`.
 */
export function loadConfig(): StackConfig {
  const cfg = new pulumi.Config(PROJECT);
  const gcp = new pulumi.Config("gcp");
  const values: Record<string, string | undefined> = {};
  const prefix = `${PROJECT}:`;
  const licenseKeys: readonly string[] = LICENSE_KEYS;
  for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    // Licenses are handled apart: they only ever leave validation as Pulumi secrets.
    if (licenseKeys.includes(key)) continue;
    values[key] = cfg.get(key);
  }
  const license = (key: LicenseKey): RawSecret | undefined => {
    const v = cfg.get(key);
    return v === undefined ? undefined : { value: v, secret: isConfigSecret(prefix + key) };
  };
  const organization = currentOrganization();
  return validateConfig(
    {
      values,
      gcpProject: gcp.get("project"),
      gcpRegion: gcp.get("region"),
      consulLicense: license("consulLicense"),
      nomadLicense: license("nomadLicense"),
      project: pulumi.getProject(),
      ...(organization ? { organization } : {}),
    },
    pulumi.getStack(),
  );
}
