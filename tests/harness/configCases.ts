/**
 * Raw configs for validator tests: a valid dc1-like base that each case breaks in one way,
 * and the problems a config yields, as `pulumi up` prints each line.
 */
import {
  ConfigError,
  ConfigProblem,
  RawConfig,
  validateConfig,
} from "../../components/config/loadConfig";
import { OFFLINE_OPERATOR_CIDR } from "./stackConfig";

/** A valid dc1-like raw config with `values` overriding (undefined removes a key). */
export function baseConfig(
  values: Record<string, string | undefined> = {},
  extra: Partial<RawConfig> = {},
): RawConfig {
  return {
    gcpProject: "my-project-1",
    gcpRegion: "europe-west1",
    values: {
      datacenter: "dc1",
      subnetCidr: "10.2.0.0/16",
      operatorCidrs: JSON.stringify([OFFLINE_OPERATOR_CIDR]),
      peers: '["acceptor:dc2"]',
      ...values,
    },
    ...extra,
  };
}

/**
 * The base config run under the organization "acme", so a dialer entry naming just the
 * stack resolves to `acme/<project>/<stack>`.
 */
export function acmeConfig(
  values: Record<string, string | undefined> = {},
  extra: Partial<RawConfig> = {},
): RawConfig {
  return baseConfig(values, { organization: "acme", ...extra });
}

/** Every problem of a config that must fail, formatted `key: received v; allowed: a`. */
export function configProblems(raw: RawConfig): string[] {
  try {
    validateConfig(raw, "dc1");
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.map(problemLine);
  }
  throw new Error("expected a ConfigError");
}

/** One problem as `pulumi up` prints it: `key: received v; allowed: a`. */
export function problemLine(p: ConfigProblem): string {
  return `${p.key}: received ${p.received}; allowed: ${p.allowed}`;
}
