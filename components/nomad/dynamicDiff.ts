/**
 * The diff shared by the dynamic providers: which inputs changed, and whether any of those
 * forces a replacement. Every input counts, so an input added later can never be missed by
 * a hand-kept list; the engine's internal keys never do (see {@link isInternalKey}). Pure
 * and import-free: Pulumi serializes the providers that call it.
 */

/**
 * Keys the engine reserves (`__` prefix). The Node SDK adds `__provider`, the provider's
 * serialized code, to every dynamic resource's inputs (`@pulumi/pulumi/dynamic/index.js`,
 * `Resource` constructor) and hands it back in the olds and news of every call
 * (`cmd/dynamic-provider/index.js`: `check` and `resultIncludingProvider`). The SDK itself
 * never treats it as a change: its `diff` deliberately takes "no special action if the
 * provider has changed" (same file, `diff`), its `configure` skips it, and the CLI's diff
 * display hides every `__` key (`resource.IsInternalPropertyKey` in
 * `pkg/backend/display/object_diff.go`). Counting it would re-register every Nomad job on
 * any edit of the provider code, shown in a PR diff as an update with no visible change.
 */
export function isInternalKey(key: string): boolean {
  return key.startsWith("__");
}

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
export function canonical(v: unknown): string {
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
 * (their values live only in `olds`), not inputs, so they never count; nor do the engine's
 * internal keys such as `__provider` ({@link isInternalKey}).
 */
export function changedInputs(olds: object, news: object): string[] {
  const o = olds as Record<string, unknown>;
  const n = news as Record<string, unknown>;
  return Object.keys(n)
    .filter((k) => !isInternalKey(k) && n[k] !== undefined && canonical(o[k]) !== canonical(n[k]))
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

/**
 * The output that records which revision of a dynamic provider's code wrote a resource's
 * state. The engine keeps `__provider` out of diffs (see {@link isInternalKey}), yet `read`
 * and `delete` run the code recorded in the resource's outputs (`getProvider(props)` in
 * `cmd/dynamic-provider/index.ts`), and a resource whose diff finds nothing keeps its old
 * outputs, `__provider` included (`SameStep.Apply` in `pkg/resource/deploy/step.go`). So new
 * provider code would never reach existing resources' refresh and destroy. Each provider
 * records a revision constant it bumps when the meaning of `read` or `delete` (or of the
 * outputs they use) changes; a recorded revision that is lower or missing is a change, and
 * the update stores the new code with it.
 */
export const REVISION_KEY = "providerRevision";

/** True when `olds` were written by an older revision of the provider than `current`. */
export function revisionBehind(olds: object, current: number): boolean {
  const recorded = (olds as Record<string, unknown>)[REVISION_KEY];
  return typeof recorded !== "number" || recorded < current;
}

/** The preview note for a resource whose recorded state predates provider revision `current`. */
export function revisionNote(olds: object, current: number): string {
  const recorded = (olds as Record<string, unknown>)[REVISION_KEY];
  return (
    `recorded by provider revision ${typeof recorded === "number" ? recorded : "none"}, this ` +
    `code is revision ${current}: the update records the new provider code, so refresh and ` +
    "destroy use it"
  );
}
