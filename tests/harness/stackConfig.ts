/**
 * Stack config files and the placeholder outputs of the stacks they reference, shared by
 * the test harness, the offline plan and the benchmark.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
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
 * What each acceptor stack a config dials would export: a placeholder token for this
 * datacenter (secret, as the real output is) and the backends. Never a real token.
 */
export function acceptorPlaceholders(
  config: Record<string, string>,
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
    const [role, remote, ref] = String(spec).split(":");
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
