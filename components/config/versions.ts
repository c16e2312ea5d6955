/**
 * Version rules: what a Consul or Nomad release number can look like. A well-formed version
 * that was never published cannot be refused offline; the boot script stops on it, naming
 * the package and version.
 */
import { Checked, ConfigReader } from "./reader";

/**
 * Minimum versions: templated-policy binding rules need Consul 1.17, and the agents set
 * `acl.tokens.dns` (a newer token type; 1.18 is the conservative floor, since Consul
 * refuses unknown config keys at start); transparent proxy on Nomad needs 1.8.
 */
export const MIN_CONSUL_VERSION = "1.18.0";
/** Nomad's floor (see above). */
export const MIN_NOMAD_VERSION = "1.8.0";

/**
 * Largest minor or patch number accepted. No Consul or Nomad release has gone past a minor
 * of 22 or a patch of 18; three digits there is a typo (`1.220.6`).
 */
export const MAX_MINOR_OR_PATCH = 99;

/** x.y.z, decimal, no leading zeros (`1.08.0` is not how HashiCorp names a release). */
const VERSION_RE = /^(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})$/;

/** [major, minor, patch], or undefined when not of the x.y.z form above. */
export function parseVersion(v: string): [number, number, number] | undefined {
  const m = VERSION_RE.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Negative, zero or positive as a sorts before, with or after b (both well-formed). */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a) ?? [0, 0, 0];
  const pb = parseVersion(b) ?? [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] as number) - (pb[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * What a version key allows, given its floor: the floor's major or the next one (Consul and
 * Nomad 2.x exist; a major further out is a typo), minor and patch up to 99.
 */
export function versionAllowed(min: string): string {
  const major = (parseVersion(min) as [number, number, number])[0];
  return (
    `a release version x.y.z, at least ${min}, with major ${major} or ${major + 1}, ` +
    `minor and patch at most ${MAX_MINOR_OR_PATCH} and no leading zeros ` +
    `(no "v" prefix, no "+ent": Enterprise follows the license)`
  );
}

/** True when `v` is a version this program accepts for a key with floor `min`. */
export function versionOk(v: string | undefined, min: string): boolean {
  const p = v === undefined ? undefined : parseVersion(v);
  if (!p) return false;
  const major = (parseVersion(min) as [number, number, number])[0];
  return (
    p[0] <= major + 1 &&
    p[1] <= MAX_MINOR_OR_PATCH &&
    p[2] <= MAX_MINOR_OR_PATCH &&
    compareVersions(v as string, min) >= 0
  );
}

/** The Consul and Nomad versions to install, as parsed. */
export interface Versions {
  consulVersion: string;
  nomadVersion: string;
}

/** `consulVersion` and `nomadVersion`: release versions at or above their floors. */
export function checkVersions(r: ConfigReader): Checked<Versions> {
  const version = (k: string, min: string): string => {
    const v = r.value(k);
    if (!versionOk(v, min)) r.fail(k, versionAllowed(min));
    return v ?? min;
  };
  return r.result({
    consulVersion: version("consulVersion", MIN_CONSUL_VERSION),
    nomadVersion: version("nomadVersion", MIN_NOMAD_VERSION),
  });
}
