/**
 * How the agents combine the files of their config directory, so a test can read what an
 * agent will actually run with:
 * - Consul (`-config-dir=/etc/consul.d/`): `.json` and `.hcl` files in lexical order, merged
 *   as in consul's agent/config/merge.go: objects recursively, arrays appended, a later
 *   scalar replaces an earlier one.
 * - Nomad (`-config /etc/nomad.d`): `.hcl` and `.json` files in lexicographical order; a
 *   later file's non-empty values replace earlier ones ("" / 0 / false are ignored, per the
 *   Nomad configuration docs). Arrays merge per field in Nomad's code, so two files setting
 *   the same array is refused here rather than guessed.
 */
import * as fs from "fs";
import * as path from "path";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

/** The config files of a directory in the agents' load order, parsed (JSON only). */
export function configDir(dir: string): { files: string[]; configs: Obj[] } {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json") || f.endsWith(".hcl"))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const configs = files.map((f) => {
    if (f.endsWith(".hcl")) throw new Error(`${dir}/${f}: an HCL file would merge into the config`);
    const v = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as unknown;
    if (!isObj(v)) throw new Error(`${dir}/${f} is not a JSON object`);
    return v;
  });
  return { files, configs };
}

/** Consul's merge of config fragments, in order. */
export function mergeConsul(configs: Obj[]): Obj {
  const merge = (a: Json, b: Json): Json => {
    if (isObj(a) && isObj(b)) {
      const out: Obj = { ...a };
      for (const [k, v] of Object.entries(b)) out[k] = k in a ? merge(a[k] as Json, v) : v;
      return out;
    }
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
    return b;
  };
  return configs.reduce<Obj>((acc, c) => merge(acc, c) as Obj, {});
}

/** Nomad's merge of config fragments, in order (see the module comment). */
export function mergeNomad(configs: Obj[]): Obj {
  const empty = (v: Json) => v === "" || v === 0 || v === false || v === null;
  const merge = (a: Json, b: Json, at: string): Json => {
    if (isObj(a) && isObj(b)) {
      const out: Obj = { ...a };
      for (const [k, v] of Object.entries(b))
        out[k] = k in a ? merge(a[k] as Json, v, `${at}.${k}`) : v;
      return out;
    }
    if (Array.isArray(a) && Array.isArray(b))
      throw new Error(`nomad config: two files set the array ${at.slice(1)}`);
    return empty(b) ? a : b;
  };
  return configs.reduce<Obj>((acc, c) => merge(acc, c, "") as Obj, {});
}

/** Every leaf path of `part` holds the same value in `whole` (arrays compared whole). */
export function leavesDiffering(part: Json, whole: Json, at = ""): string[] {
  if (isObj(part)) {
    if (!isObj(whole)) return [at || "."];
    return Object.entries(part).flatMap(([k, v]) =>
      leavesDiffering(v, whole[k] as Json, `${at}.${k}`),
    );
  }
  return JSON.stringify(part) === JSON.stringify(whole) ? [] : [at || "."];
}
