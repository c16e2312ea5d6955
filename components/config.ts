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
  ConfigError,
  ConfigProblem,
  DemoReplicas,
  FAILOVER_MODES,
  PeerConfig,
  PROJECT,
  RawConfig,
  StackConfig,
} from "./configTypes";

export * from "./configTypes";

/** Declared keys of this project, with their defaults (undefined = required). */
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
  apiGatewayCidrs: '["0.0.0.0/0"]',
  meshGatewayCidrs: '["0.0.0.0/0"]',
  sshViaIap: "false",
  apiGatewayPort: "8080",
  consulVersion: "1.22.6",
  nomadVersion: "1.10.3",
  consulLicense: undefined,
  nomadLicense: undefined,
  peers: "[]",
  failoverMode: "none",
  peeringGeneration: "1",
  publicApiReplicas: "2",
  privateApiReplicas: "2",
  frontendReplicas: "1",
  readinessTimeoutMinutes: "20",
};

/**
 * Minimum versions: templated-policy binding rules need Consul 1.17, and the agents set
 * `acl.tokens.dns` (a newer token type; 1.18 is the conservative floor, since Consul
 * refuses unknown config keys at start); transparent proxy on Nomad needs 1.8.
 */
export const MIN_CONSUL_VERSION = "1.18.0";
export const MIN_NOMAD_VERSION = "1.8.0";

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

/** Docker's default bridge `docker0`; clients run Docker, so the subnet must avoid it. */
const DOCKER_BRIDGE = "172.17.0.0/16";

const DC_RE = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
const DC_ALLOWED = "2-20 lowercase letters, digits or hyphens, starting with a letter";
const STACK_RE = /^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/;
const VERSION_RE = /^(\d+)\.(\d+)\.(\d+)$/;

/** Shows a received value in a message: quoted strings, `(not set)` for missing. */
function show(v: string | undefined): string {
  return v === undefined ? "(not set)" : JSON.stringify(v);
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Validates raw config into a `StackConfig`. Collects every problem and throws one
 * `ConfigError` listing them all, each with the key, the received value and what is allowed.
 */
export function validateConfig(raw: RawConfig, stack: string): StackConfig {
  const problems: ConfigProblem[] = [];
  const ns = (k: string) => `${PROJECT}:${k}`;
  const fail = (key: string, received: string | undefined, allowed: string) =>
    problems.push({ key, received: show(received), allowed });

  for (const key of Object.keys(raw.values)) {
    if (!(key in DEFAULTS)) {
      fail(
        ns(key),
        raw.values[key],
        `one of the declared keys: ${Object.keys(DEFAULTS).join(", ")}`,
      );
    }
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
    const v = value(k);
    const allowed = 'a non-empty JSON list of IPv4 CIDR blocks, e.g. ["203.0.113.0/24"]';
    if (v === undefined) {
      fail(ns(k), v, `${allowed} (required, no default)`);
      return [];
    }
    let list: unknown;
    try {
      list = JSON.parse(v);
    } catch {
      list = undefined;
    }
    if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === "string")) {
      fail(ns(k), v, allowed);
      return [];
    }
    const strings = list;
    strings.forEach((c, i) => {
      const parsed = parseCidr(c);
      if (typeof parsed === "string") fail(`${ns(k)}[${i}]`, c, `an IPv4 CIDR block: ${parsed}`);
    });
    if (new Set(strings).size !== strings.length) fail(ns(k), v, "each CIDR block once");
    return strings;
  };

  // GCP provider settings.
  const gcpProject = raw.gcpProject;
  if (!gcpProject || !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(gcpProject)) {
    fail(
      "gcp:project",
      gcpProject,
      "a GCP project id: 6-30 lowercase letters, digits or hyphens (required)",
    );
  }
  const gcpRegion = raw.gcpRegion;
  if (!gcpRegion || !/^[a-z]+-[a-z]+[0-9]+$/.test(gcpRegion)) {
    fail("gcp:region", gcpRegion, "a GCP region such as europe-west1 (required)");
  }

  const datacenter = pattern("datacenter", DC_RE, DC_ALLOWED);
  const serverCount = integer("serverCount", 3, 5, "3 or 5 (an odd count keeps Raft quorum)");
  if (serverCount === 4)
    fail(ns("serverCount"), value("serverCount"), "3 or 5 (an odd count keeps Raft quorum)");
  const clientCount = integer("clientCount", 1, 100);
  const machineRe = /^[a-z][a-z0-9]*-[a-z0-9-]+$/;
  const serverMachineType = pattern(
    "serverMachineType",
    machineRe,
    "a GCE machine type such as e2-standard-2",
  );
  const clientMachineType = pattern(
    "clientMachineType",
    machineRe,
    "a GCE machine type such as e2-standard-4",
  );
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
  const bridgeRaw = value("nomadBridgeCidr") ?? "";
  const bridge = parseCidr(bridgeRaw);
  const docker = parseCidr(DOCKER_BRIDGE) as Cidr;
  if (typeof bridge === "string")
    fail(ns("nomadBridgeCidr"), bridgeRaw, `an IPv4 CIDR block: ${bridge}`);
  else {
    if (subnet && overlaps(subnet, bridge)) {
      fail(
        ns("nomadBridgeCidr"),
        bridgeRaw,
        `a range that does not overlap hashistack:subnetCidr (${subnet.text})`,
      );
    }
    if (overlaps(bridge, docker)) {
      fail(
        ns("nomadBridgeCidr"),
        bridgeRaw,
        `a range that does not overlap Docker's bridge ${DOCKER_BRIDGE}`,
      );
    }
  }
  if (subnet && overlaps(subnet, docker)) {
    fail(
      ns("subnetCidr"),
      subnetRaw,
      `a range that does not overlap Docker's bridge ${DOCKER_BRIDGE}`,
    );
  }

  const operatorCidrs = cidrList("operatorCidrs");
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
    const allowed = `a release version x.y.z, at least ${min} (no "v" prefix, no "+ent": Enterprise follows the license)`;
    if (v === undefined || !VERSION_RE.test(v) || compareVersions(v, min) < 0)
      fail(ns(k), v, allowed);
    return v ?? min;
  };
  const consulVersion = version("consulVersion", MIN_CONSUL_VERSION);
  const nomadVersion = version("nomadVersion", MIN_NOMAD_VERSION);

  // Peers: `acceptor:<dc>` or `dialer:<dc>:<org>/<project>/<stack>`.
  const peers: PeerConfig[] = [];
  const peersRaw = value("peers") ?? "[]";
  const peersAllowed =
    'a JSON list of "acceptor:<remote-datacenter>" or "dialer:<remote-datacenter>:<org>/<project>/<stack>"';
  let peerList: unknown;
  try {
    peerList = JSON.parse(peersRaw);
  } catch {
    peerList = undefined;
  }
  if (!Array.isArray(peerList) || !peerList.every((p) => typeof p === "string")) {
    fail(ns("peers"), peersRaw, peersAllowed);
  } else {
    peerList.forEach((spec, i) => {
      const key = `${ns("peers")}[${i}]`;
      const parts = spec.split(":");
      const [role, remote, stackName] = parts;
      if (role === "acceptor" && parts.length === 2 && remote && DC_RE.test(remote)) {
        peers.push({ role, datacenter: remote, peerName: `${remote}-default` });
      } else if (
        role === "dialer" &&
        parts.length === 3 &&
        remote &&
        DC_RE.test(remote) &&
        stackName &&
        STACK_RE.test(stackName)
      ) {
        peers.push({ role, datacenter: remote, peerName: `${remote}-default`, stack: stackName });
      } else if (role === "dialer" && parts.length === 2) {
        fail(
          key,
          spec,
          'a dialer names the acceptor\'s fully-qualified stack: "dialer:<remote-datacenter>:<org>/<project>/<stack>"',
        );
      } else {
        fail(
          key,
          spec,
          `${peersAllowed.replace("a JSON list of ", "")}, the datacenter being ${DC_ALLOWED}`,
        );
      }
    });
    const remotes = peers.map((p) => p.datacenter);
    if (remotes.includes(datacenter))
      fail(ns("peers"), peersRaw, `remote datacenters other than this one (${datacenter})`);
    if (new Set(remotes).size !== remotes.length)
      fail(ns("peers"), peersRaw, "each remote datacenter once");
  }

  const failoverRaw = value("failoverMode");
  const failoverMode = FAILOVER_MODES.find((m) => m === failoverRaw);
  if (!failoverMode) fail(ns("failoverMode"), failoverRaw, FAILOVER_MODES.join(", "));
  if (failoverMode && failoverMode !== "none" && peers.length === 0 && Array.isArray(peerList)) {
    fail(
      ns("failoverMode"),
      failoverRaw,
      `"none" when hashistack:peers is empty (failover needs a peer)`,
    );
  }
  if (failoverMode === "sameness-group" && !raw.consulLicense) {
    fail(
      ns("failoverMode"),
      failoverRaw,
      '"none" or "resolver": sameness groups are Consul Enterprise only; set hashistack:consulLicense (secret) to use them',
    );
  }

  const peeringGeneration = integer("peeringGeneration", 1, 1_000_000);
  const replicas: DemoReplicas = {
    publicApi: integer("publicApiReplicas", 0, 20),
    privateApi: integer("privateApiReplicas", 0, 20),
    frontend: integer("frontendReplicas", 0, 20),
  };
  const readinessTimeoutMinutes = integer("readinessTimeoutMinutes", 1, 120);

  if (problems.length > 0) throw new ConfigError(stack, problems);
  return {
    project: gcpProject as string,
    region: gcpRegion as string,
    datacenter,
    serverCount: serverCount as 3 | 5,
    clientCount,
    serverMachineType,
    clientMachineType,
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
    ...(raw.consulLicense ? { consulLicense: raw.consulLicense } : {}),
    ...(raw.nomadLicense ? { nomadLicense: raw.nomadLicense } : {}),
    peers,
    failoverMode: failoverMode ?? "none",
    peeringGeneration,
    replicas,
    readinessTimeoutMinutes,
  };
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
  for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    // Secrets are read with getSecret below, never as plain strings.
    if (key === "consulLicense" || key === "nomadLicense") continue;
    values[key] = cfg.get(key);
  }
  return validateConfig(
    {
      values,
      gcpProject: gcp.get("project"),
      gcpRegion: gcp.get("region"),
      consulLicense: cfg.getSecret("consulLicense"),
      nomadLicense: cfg.getSecret("nomadLicense"),
    },
    pulumi.getStack(),
  );
}
