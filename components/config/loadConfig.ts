/**
 * Stack configuration: every key the program reads, validated in one place.
 *
 * `validateConfig` is pure (raw strings in, typed object or one aggregated error out), so
 * the whole matrix of bad inputs is unit-tested without the Pulumi runtime. `loadConfig`
 * is the only code that touches `pulumi.Config`; it runs before any resource is created,
 * so bad input never leaves a half-built stack behind.
 */
import * as pulumi from "@pulumi/pulumi";
import { Cidr, isPrivate, overlaps, parseCidr } from "./cidr";
import {
  MAX_READINESS_TIMEOUT_MINUTES,
  MIN_READINESS_TIMEOUT_MINUTES,
  READINESS_ALLOWED,
} from "./boot";
import { clientCapacity, serverSize } from "./capacity";
import { PROJECT_RE, REGION_RE } from "./gcp";
import { MACHINE_TYPES_ALLOWED, MachineShape, machineShape } from "./machineTypes";
import {
  DOCKER_BRIDGE,
  bridgeRange,
  operatorExposure,
  parseCidrList,
  reachableFromInternet,
  subnetRoom,
} from "./networks";
import { problem } from "./problem";
import { MIN_CONSUL_VERSION, MIN_NOMAD_VERSION, versionAllowed, versionOk } from "./versions";
import {
  ConfigError,
  ConfigProblem,
  DC_ALLOWED,
  DC_RE,
  DemoReplicas,
  FAILOVER_MODES,
  LICENSE_KEYS,
  LicenseKey,
  PROJECT,
  RawConfig,
  RawSecret,
  StackConfig,
} from "./types";
import { DEFERRED_PEERS_KEY, parseDeferredPeers } from "./deferral";
import { licenseValues } from "./licenses";
import { parsePeers } from "./peerSpec";

export * from "./types";
export { MIN_CONSUL_VERSION, MIN_NOMAD_VERSION } from "./versions";

/**
 * Keys declared in `Pulumi.yaml`, with their defaults (undefined = required). The licenses
 * are read too but deliberately not declared (see LICENSE_KEYS); tests/cliConfig.test.ts
 * checks this table against `Pulumi.yaml`.
 */
export const DEFAULTS: Readonly<Record<string, string | undefined>> = {
  datacenter: undefined,
  serverCount: "3",
  clientCount: "2",
  serverMachineType: "e2-standard-2",
  clientMachineType: "e2-standard-4",
  serverDiskSizeGb: "50",
  subnetCidr: undefined,
  nomadBridgeCidr: "172.26.64.0/20",
  operatorCidrs: undefined,
  allowWideOperatorCidrs: "false",
  apiGatewayCidrs: '["0.0.0.0/0"]',
  meshGatewayCidrs: '["0.0.0.0/0"]',
  sshViaIap: "false",
  apiGatewayPort: "8080",
  consulVersion: "1.22.6",
  nomadVersion: "1.10.3",
  peers: "[]",
  failoverMode: "none",
  peeringGeneration: "1",
  publicApiReplicas: "2",
  privateApiReplicas: "2",
  frontendReplicas: "1",
  readinessTimeoutMinutes: "20",
  [DEFERRED_PEERS_KEY]: "[]",
  protectCluster: "true",
};

/** Every `hashistack:` key the program reads: the declared ones and the licenses. */
export const KNOWN_KEYS: readonly string[] = [...Object.keys(DEFAULTS), ...LICENSE_KEYS];

/**
 * Ports the API-gateway listener must not take: Consul, Nomad, the mesh gateway, and
 * Nomad's default dynamic port range (20000-32000).
 */
const RESERVED_PORTS: readonly [number, number, string][] = [
  [4646, 4648, "Nomad"],
  [8300, 8302, "Consul"],
  [8500, 8503, "Consul"],
  [8600, 8600, "Consul DNS"],
  [8443, 8443, "the mesh gateway"],
  [19000, 19999, "Envoy admin"],
  [20000, 32000, "Nomad dynamic ports"],
];

/**
 * Validates raw config into a `StackConfig`. Collects every problem and throws one
 * `ConfigError` listing them all, each with the key, the received value and what is allowed.
 */
export function validateConfig(raw: RawConfig, stack: string): StackConfig {
  const problems: ConfigProblem[] = [];
  const ns = (k: string) => `${PROJECT}:${k}`;
  const fail = (key: string, received: string | undefined, allowed: string) =>
    problems.push(problem(key, received, allowed));

  for (const key of Object.keys(raw.values)) {
    if (!KNOWN_KEYS.includes(key))
      fail(ns(key), raw.values[key], `one of the known keys: ${KNOWN_KEYS.join(", ")}`);
  }
  const value = (k: string): string | undefined => raw.values[k] ?? DEFAULTS[k];
  const required = (k: string, allowed: string): string | undefined => {
    const v = value(k);
    if (v === undefined || v === "") fail(ns(k), v, `${allowed} (required, no default)`);
    return v === "" ? undefined : v;
  };
  const integer = (k: string, min: number, max: number, allowed?: string): number => {
    const v = value(k);
    const n = Number(v);
    const what = allowed ?? `an integer from ${min} to ${max}`;
    if (v === undefined || !/^-?\d+$/.test(v.trim()) || n < min || n > max) {
      fail(ns(k), v, what);
      return min;
    }
    return n;
  };
  const pattern = (k: string, re: RegExp, allowed: string): string => {
    const v = required(k, allowed);
    if (v !== undefined && !re.test(v)) fail(ns(k), v, allowed);
    return v ?? "";
  };
  const cidrList = (k: string): string[] => {
    const { list, problems: found } = parseCidrList(ns(k), value(k));
    problems.push(...found);
    return list;
  };

  // Rules across keys run only on keys that passed their own checks (no echo problems).
  const clean = (...ks: string[]) =>
    !problems.some((p) => ks.some((k) => p.key === ns(k) || p.key.startsWith(`${ns(k)}[`)));
  const blocks = (list: string[]): Cidr[] =>
    list.map((c) => parseCidr(c)).filter((c): c is Cidr => typeof c !== "string");
  const machine = (k: string, example: string): MachineShape | undefined => {
    const v = required(k, `${MACHINE_TYPES_ALLOWED}, such as ${example}`);
    if (v === undefined) return undefined;
    const shape = machineShape(v);
    if ("reason" in shape) {
      fail(ns(k), v, `${MACHINE_TYPES_ALLOWED}${shape.reason ? `; ${shape.reason}` : ""}`);
      return undefined;
    }
    return shape;
  };

  // GCP provider settings.
  const gcpProject = raw.gcpProject;
  if (!gcpProject || !PROJECT_RE.test(gcpProject)) {
    fail(
      "gcp:project",
      gcpProject,
      "a GCP project id: 6-30 lowercase letters, digits or hyphens (required)",
    );
  }
  const gcpRegion = raw.gcpRegion;
  if (!gcpRegion || !REGION_RE.test(gcpRegion)) {
    fail("gcp:region", gcpRegion, "a GCP region such as europe-west1 (required)");
  }

  const datacenter = pattern("datacenter", DC_RE, DC_ALLOWED);
  const serverCount = integer("serverCount", 3, 5, "3 or 5 (an odd count keeps Raft quorum)");
  if (serverCount === 4)
    fail(ns("serverCount"), value("serverCount"), "3 or 5 (an odd count keeps Raft quorum)");
  const clientCount = integer("clientCount", 1, 100);
  const serverMachine = machine("serverMachineType", "e2-standard-2");
  const clientMachine = machine("clientMachineType", "e2-standard-4");
  const serverSmall = serverMachine && serverSize(serverMachine);
  if (serverSmall) fail(ns("serverMachineType"), serverMachine?.name, serverSmall);
  const serverDiskSizeGb = integer("serverDiskSizeGb", 20, 1000);

  // Own address ranges: the subnet, Nomad's bridge and Docker's bridge must not overlap.
  const subnetRaw = required("subnetCidr", "a private IPv4 CIDR block from /16 to /28");
  let subnet: Cidr | undefined;
  if (subnetRaw !== undefined) {
    const p = parseCidr(subnetRaw);
    if (typeof p === "string") fail(ns("subnetCidr"), subnetRaw, `a private IPv4 CIDR block: ${p}`);
    else if (!isPrivate(p) || p.prefix < 16 || p.prefix > 28) {
      fail(
        ns("subnetCidr"),
        subnetRaw,
        "a CIDR block from /16 to /28 inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
      );
    } else subnet = p;
  }
  // Nomad's bridge: private, clear of the subnet and Docker, room for the allocations.
  const bridgeRaw = value("nomadBridgeCidr") ?? "";
  const bridge = parseCidr(bridgeRaw);
  const docker = parseCidr(DOCKER_BRIDGE) as Cidr;
  if (typeof bridge === "string")
    fail(ns("nomadBridgeCidr"), bridgeRaw, `an IPv4 CIDR block: ${bridge}`);
  else
    for (const allowed of bridgeRange(bridge, subnet))
      fail(ns("nomadBridgeCidr"), bridgeRaw, allowed);
  if (subnet && overlaps(subnet, docker)) {
    fail(
      ns("subnetCidr"),
      subnetRaw,
      `a range that does not overlap Docker's bridge ${DOCKER_BRIDGE}`,
    );
  }

  const operatorCidrs = cidrList("operatorCidrs");
  const wideRaw = value("allowWideOperatorCidrs");
  if (wideRaw !== "true" && wideRaw !== "false")
    fail(ns("allowWideOperatorCidrs"), wideRaw, "true or false");
  const exposure =
    clean("operatorCidrs") && operatorExposure(blocks(operatorCidrs), wideRaw === "true");
  if (exposure) fail(ns("operatorCidrs"), value("operatorCidrs"), exposure);
  const unreachable = (k: string, list: string[], who: string) => {
    const allowed = clean(k) && reachableFromInternet(blocks(list), who);
    if (allowed) fail(ns(k), value(k), allowed);
  };
  unreachable("operatorCidrs", operatorCidrs, "this program and operators reach the control plane");
  const apiGatewayCidrs = cidrList("apiGatewayCidrs");
  const meshGatewayCidrs = cidrList("meshGatewayCidrs");

  const sshRaw = value("sshViaIap");
  if (sshRaw !== "true" && sshRaw !== "false") fail(ns("sshViaIap"), sshRaw, "true or false");

  const apiGatewayPort = integer("apiGatewayPort", 1024, 65535);
  for (const [lo, hi, owner] of RESERVED_PORTS) {
    if (apiGatewayPort >= lo && apiGatewayPort <= hi) {
      fail(
        ns("apiGatewayPort"),
        value("apiGatewayPort"),
        `a port from 1024 to 65535 not used by ${owner} (${lo}-${hi})`,
      );
    }
  }

  const version = (k: string, min: string): string => {
    const v = value(k);
    if (!versionOk(v, min)) fail(ns(k), v, versionAllowed(min));
    return v ?? min;
  };
  const consulVersion = version("consulVersion", MIN_CONSUL_VERSION);
  const nomadVersion = version("nomadVersion", MIN_NOMAD_VERSION);

  const peersRaw = value("peers") ?? "[]";
  const parsed = parsePeers(peersRaw, datacenter, {
    stack,
    project: raw.project ?? PROJECT,
    ...(raw.organization ? { organization: raw.organization } : {}),
  });
  const peers = parsed.peers;
  for (const p of parsed.problems)
    fail(p.index === undefined ? ns("peers") : `${ns("peers")}[${p.index}]`, p.received, p.allowed);

  // Set only by npm run deploy's platform phase (components/config/deferral.ts).
  const deferral = parseDeferredPeers(value(DEFERRED_PEERS_KEY), peers);
  problems.push(...deferral.problems);

  const licenses = licenseValues(raw, problems);
  const failoverRaw = value("failoverMode");
  const failoverMode = FAILOVER_MODES.find((m) => m === failoverRaw);
  if (!failoverMode) fail(ns("failoverMode"), failoverRaw, FAILOVER_MODES.join(", "));
  // Only when the list is really empty: a refused entry is reported as itself.
  const noPeers = parsed.listOk && parsed.problems.length === 0 && peers.length === 0;
  if (failoverMode && failoverMode !== "none" && noPeers) {
    fail(
      ns("failoverMode"),
      failoverRaw,
      `"none" when hashistack:peers is empty (failover needs a peer)`,
    );
  }
  if (failoverMode === "sameness-group" && !licenses.consulLicense) {
    const blank = raw.consulLicense !== undefined ? " (it is set but blank, which means none)" : "";
    fail(
      ns("failoverMode"),
      failoverRaw,
      `"none" or "resolver": sameness groups are Consul Enterprise only; set hashistack:consulLicense (secret) to use them${blank}`,
    );
  }

  const peeringGeneration = integer("peeringGeneration", 1, 1_000_000);
  const replicas: DemoReplicas = {
    publicApi: integer("publicApiReplicas", 0, 20),
    privateApi: integer("privateApiReplicas", 0, 20),
    frontend: integer("frontendReplicas", 0, 20),
  };
  const readinessTimeoutMinutes = integer(
    "readinessTimeoutMinutes",
    MIN_READINESS_TIMEOUT_MINUTES,
    MAX_READINESS_TIMEOUT_MINUTES,
    READINESS_ALLOWED,
  );

  // Cross-key rules: who must reach the gateways, room in the subnet and on the clients.
  if (peers.length > 0)
    unreachable(
      "meshGatewayCidrs",
      meshGatewayCidrs,
      "the peers' servers and gateways reach the mesh gateway",
    );
  if (replicas.frontend > 0)
    unreachable("apiGatewayCidrs", apiGatewayCidrs, "users reach the API gateway");
  const room =
    subnet && clean("serverCount", "clientCount") && subnetRoom(subnet, serverCount, clientCount);
  if (room) fail(ns("subnetCidr"), subnetRaw, room);
  const counts = ["clientCount", "publicApiReplicas", "privateApiReplicas", "frontendReplicas"];
  const capacity =
    clientMachine && clean(...counts) && clientCapacity(clientMachine, clientCount, replicas);
  if (capacity) fail(ns(capacity.key), value(capacity.key), capacity.allowed);
  const protectRaw = value("protectCluster");
  if (protectRaw !== "true" && protectRaw !== "false")
    fail(ns("protectCluster"), protectRaw, "true or false");

  if (problems.length > 0) throw new ConfigError(stack, problems);
  return {
    project: gcpProject as string,
    region: gcpRegion as string,
    datacenter,
    serverCount: serverCount as 3 | 5,
    clientCount,
    serverMachineType: value("serverMachineType") as string,
    clientMachineType: value("clientMachineType") as string,
    serverDiskSizeGb,
    subnetCidr: subnetRaw as string,
    nomadBridgeCidr: bridgeRaw,
    operatorCidrs,
    apiGatewayCidrs,
    meshGatewayCidrs,
    sshViaIap: sshRaw === "true",
    apiGatewayPort,
    consulVersion,
    nomadVersion,
    ...licenses,
    peers,
    failoverMode: failoverMode ?? "none",
    peeringGeneration,
    replicas,
    readinessTimeoutMinutes,
    deferredPeers: deferral.deferred,
    protectCluster: protectRaw !== "false",
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
