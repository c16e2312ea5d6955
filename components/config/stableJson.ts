/**
 * Deterministic JSON for structured text (agent configs, ACL policies, config entries): a
 * neutral serializer low in the layers, so every domain can use it without importing
 * another domain's module.
 */

/** JSON with keys sorted at every level: the same object always renders to the same bytes. */
export function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v as Record<string, unknown>)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}
