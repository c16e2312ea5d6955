/**
 * Pulumi's wire form of property values: the secret and unknown markers the SDK and the
 * engine exchange (sdk/nodejs/runtime/rpc.ts), and helpers to read values in that form.
 */

/** Pulumi's wire marker keys for secrets and unknowns. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Unwraps secret markers; keeps unknown sentinels. */
export function unwrapSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) return unwrapSecrets(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/**
 * Every string value in `v` that is not inside a secret marker, with its path.
 * Used to prove a secret value never travels unmarked.
 */
export function plainStrings(v: unknown, path = ""): { path: string; value: string }[] {
  if (typeof v === "string") return [{ path, value: v }];
  if (Array.isArray(v)) return v.flatMap((x, i) => plainStrings(x, `${path}[${i}]`));
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) return [];
    return Object.entries(o).flatMap(([k, x]) => plainStrings(x, path ? `${path}.${k}` : k));
  }
  return [];
}

/** True when the value at a dotted top-level key is wrapped as a secret on the wire. */
export function isSecretOnWire(wire: Record<string, unknown>, key: string): boolean {
  const v = wire[key] as Record<string, unknown> | undefined;
  return !!v && typeof v === "object" && v[SIG_KEY] === SECRET_SIG;
}
