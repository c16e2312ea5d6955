/**
 * Reading `hashistack:` keys for the validation checks (`counts.ts`, `networkChecks.ts`,
 * `gateways.ts`, `versions.ts`, `peers.ts`): each check gets a fresh reader, parses its keys
 * through it and returns what it parsed with the problems it found. Pure: raw strings in.
 */
import { DEFAULTS } from "./keys";
import { parseCidrList } from "./networks";
import { ns, problem } from "./problem";
import { ConfigProblem } from "./types";

/** What one check parsed, and the problems it found (in the order found). */
export interface Checked<T> {
  value: T;
  problems: ConfigProblem[];
}

/**
 * One check's view of the config: the raw `hashistack:` values (keys without the namespace)
 * with their defaults (`keys.ts`), parsers that record a problem
 * naming the full key, the value received and what is allowed, and whether a key is still
 * clean. `earlier` holds the problems of the checks that ran before this one, so rules
 * across keys run only on keys that passed their own checks (no echo problems).
 */
export class ConfigReader {
  /** The problems this reader recorded, in order. */
  readonly problems: ConfigProblem[] = [];

  constructor(
    private readonly values: Readonly<Record<string, string | undefined>>,
    private readonly earlier: readonly ConfigProblem[] = [],
  ) {}

  /** The value of `k` as set, else its default; undefined when neither. */
  value(k: string): string | undefined {
    return this.values[k] ?? DEFAULTS[k];
  }

  /** Records a problem with `hashistack:<k>`, showing `k`'s value (`(not set)` when none). */
  fail(k: string, allowed: string): void {
    this.failWith(k, allowed, this.value(k));
  }

  /**
   * Records a problem with `hashistack:<k>`, showing `received` instead of `k`'s value (the
   * part of it a rule refused, or the text a parser saw). Always exactly what is passed:
   * `undefined` shows as `(not set)`, never as `k`'s value (a default parameter would).
   */
  failWith(k: string, allowed: string, received: string | undefined): void {
    this.problems.push(problem(ns(k), received, allowed));
  }

  /** Records problems found elsewhere (already carrying their full keys). */
  add(found: readonly ConfigProblem[]): void {
    this.problems.push(...found);
  }

  /** The value of a required key; undefined (and a problem) when unset or empty. */
  required(k: string, allowed: string): string | undefined {
    const v = this.value(k);
    if (v === undefined || v === "") this.fail(k, `${allowed} (required, no default)`);
    return v === "" ? undefined : v;
  }

  /** An integer from `min` to `max`; `min` (and a problem) otherwise. */
  integer(k: string, min: number, max: number, allowed?: string): number {
    const v = this.value(k);
    const n = Number(v);
    if (v === undefined || !/^-?\d+$/.test(v.trim()) || n < min || n > max) {
      this.fail(k, allowed ?? `an integer from ${min} to ${max}`);
      return min;
    }
    return n;
  }

  /** A required value matching `re`; "" when unset. */
  pattern(k: string, re: RegExp, allowed: string): string {
    const v = this.required(k, allowed);
    if (v !== undefined && !re.test(v)) this.fail(k, allowed);
    return v ?? "";
  }

  /** "true" or "false": true only for "true" (anything else but "false" is a problem). */
  flag(k: string): boolean {
    const v = this.value(k);
    if (v !== "true" && v !== "false") this.fail(k, "true or false");
    return v === "true";
  }

  /** A JSON list of source ranges (`networks.ts` `parseCidrList`). */
  cidrList(k: string): string[] {
    const { list, problems } = parseCidrList(ns(k), this.value(k));
    this.add(problems);
    return list;
  }

  /** True when no problem so far names any of the keys (or one of their entries, `k[i]`). */
  clean(...ks: string[]): boolean {
    const names = ks.map(ns);
    return ![...this.earlier, ...this.problems].some((p) =>
      names.some((k) => p.key === k || p.key.startsWith(`${k}[`)),
    );
  }

  /** What the check parsed, with the problems recorded here. */
  result<T>(value: T): Checked<T> {
    return { value, problems: this.problems };
  }
}
