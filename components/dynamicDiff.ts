/**
 * The diff shared by the dynamic providers: which inputs changed, and whether any of those
 * forces a replacement. Every input counts, so an input added later can never be missed by
 * a hand-kept list. Pure and import-free: Pulumi serializes the providers that call it.
 */

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
function canonical(v: unknown): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sort)
      : x && typeof x === "object"
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sort((x as Record<string, unknown>)[k])]),
          )
        : x;
  return JSON.stringify(sort(v)) ?? "undefined";
}

/**
 * Input keys whose values differ. Keys undefined in `news` are outputs the resource declares
 * (their values live only in `olds`), not inputs, so they never count.
 */
export function changedInputs(olds: object, news: object): string[] {
  const o = olds as Record<string, unknown>;
  const n = news as Record<string, unknown>;
  return Object.keys(n)
    .filter((k) => n[k] !== undefined && canonical(o[k]) !== canonical(n[k]))
    .sort();
}

/** A diff where a change to any of `replaceOn` replaces the resource, deleting it first. */
export function keyedDiff(
  olds: object,
  news: object,
  replaceOn: string[],
): { changes: boolean; replaces: string[]; deleteBeforeReplace: true } {
  const changed = changedInputs(olds, news);
  return {
    changes: changed.length > 0,
    replaces: changed.filter((k) => replaceOn.includes(k)),
    deleteBeforeReplace: true,
  };
}
