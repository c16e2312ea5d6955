/**
 * Stack config files and the placeholder outputs of the stacks they reference, shared by
 * the test harness, the offline plan and the benchmark.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { PROJECT } from "../../components/config/types";
import { qualifyStack } from "../../components/config/peerSpec";
import { MockOverrides } from "./mocks";

/** Repository root. */
export const ROOT = path.resolve(__dirname, "..", "..");

/** Reads a stack config file into Pulumi's env form: full keys, string values (lists as JSON). */
export function readStackConfig(file: string): Record<string, string> {
  const doc = yaml.load(fs.readFileSync(file, "utf8")) as {
    config?: Record<string, unknown>;
  } | null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc?.config ?? {})) {
    out[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}

/**
 * The operator range the shipped stack files hold: TEST-NET-3, a documentation block
 * (RFC 5737) no packet ever comes from. `pulumi up` refuses it (configNetworks.ts
 * `SPECIAL_PURPOSE_RANGES`) until the user puts their own egress range there.
 */
export const OPERATOR_PLACEHOLDER = "203.0.113.0/24";

/**
 * What offline runs (the tests, `npm run plan`, `npm run bench`) use in the placeholder's
 * place, so the shipped stacks still plan: a public range outside every special-purpose
 * block. Nothing offline is deployed, so whose range it is does not matter; it is never
 * written to a stack file, and the plan says it stood in.
 */
export const OFFLINE_OPERATOR_CIDR = "1.2.3.0/24";

/**
 * A stack config as offline runs use it: an operator list that is still exactly the shipped
 * placeholder is replaced with `OFFLINE_OPERATOR_CIDR`; anything else is left as the user
 * wrote it (a documentation range of their own is refused as `pulumi up` would). `notes`
 * says what stood in for what.
 */
export function offlineStandIns(config: Record<string, string>): {
  config: Record<string, string>;
  notes: string[];
} {
  const key = "hashistack:operatorCidrs";
  const placeholder = JSON.stringify([OPERATOR_PLACEHOLDER]);
  if (config[key] !== placeholder) return { config, notes: [] };
  const standIn = JSON.stringify([OFFLINE_OPERATOR_CIDR]);
  return {
    config: { ...config, [key]: standIn },
    notes: [
      `note: ${key} is still the shipped placeholder ${placeholder} (TEST-NET-3, documentation only), ` +
        `which pulumi up refuses; this offline run uses ${standIn} in its place. Set your own egress ` +
        `range before deploying (README, "From an empty project").`,
    ],
  };
}

/**
 * What each acceptor stack a config dials would export, keyed by its fully-qualified name
 * (a short entry is qualified with `organization`, as the program does): a placeholder token
 * for this datacenter (secret, as the real output is) and the backends. Never a real token.
 */
export function acceptorPlaceholders(
  config: Record<string, string>,
  organization = "organization",
): NonNullable<MockOverrides["stackOutputs"]> {
  const local = config["hashistack:datacenter"] ?? "unknown";
  let peers: unknown;
  try {
    peers = JSON.parse(config["hashistack:peers"] ?? "[]");
  } catch {
    peers = [];
  }
  const out: NonNullable<MockOverrides["stackOutputs"]> = {};
  for (const spec of Array.isArray(peers) ? (peers as unknown[]) : []) {
    const [role, remote, short] = String(spec).split(":");
    const ref = short && qualifyStack(short, { stack: "", project: PROJECT, organization });
    if (role === "dialer" && ref) {
      out[ref] = {
        outputs: {
          datacenter: remote,
          peeringTokens: { [local]: `placeholder-token-from-${ref}` },
          exportedServices: ["public-api", "private-api"],
        },
        secretOutputNames: ["peeringTokens"],
      };
    }
  }
  return out;
}
