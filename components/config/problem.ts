/**
 * Building blocks shared by the validation (`loadConfig.ts`, `reader.ts`) and its rule
 * modules (`networks.ts`, `versions.ts`, `machineTypes.ts`, `capacity.ts`, ...): every
 * problem names the full key, shows the value received and says what is allowed.
 */
import { ConfigProblem, PROJECT } from "./types";

/** The full key of one of this project's config keys: `hashistack:<key>`. */
export function ns(key: string): string {
  return `${PROJECT}:${key}`;
}

/** Shows a received value in a message: quoted strings, `(not set)` for missing. */
export function show(v: string | undefined): string {
  return v === undefined ? "(not set)" : JSON.stringify(v);
}

/** One problem: full key, the raw value received, what is allowed. */
export function problem(key: string, received: string | undefined, allowed: string): ConfigProblem {
  return { key, received: show(received), allowed };
}

/** Lists items as prose: "a, b or c". */
export function orList(items: readonly string[]): string {
  return items.length < 2
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1] as string}`;
}
