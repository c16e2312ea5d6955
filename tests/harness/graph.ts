/**
 * Queries over a recorded resource graph: lookup, dependency edges (direct or transitive),
 * the critical path, and a Mermaid rendering for `docs/topology-<stack>.md`.
 */
import { RecordedInvoke, RecordedResource } from "./recorder";

/** The recorded registrations (and invokes) of one program run. */
export class Graph {
  readonly byUrn: Map<string, RecordedResource>;

  constructor(
    readonly resources: RecordedResource[],
    readonly invokes: readonly RecordedInvoke[] = [],
  ) {
    this.byUrn = new Map(resources.map((r) => [r.urn, r]));
  }

  /** Resources of a type token (e.g. `gcp:compute/firewall:Firewall`), or all. */
  all(type?: string): RecordedResource[] {
    return type ? this.resources.filter((r) => r.type === type) : [...this.resources];
  }

  /** The one resource with this name (and type, if given); throws with candidates otherwise. */
  get(name: string, type?: string): RecordedResource {
    const hits = this.resources.filter((r) => r.name === name && (!type || r.type === type));
    if (hits.length !== 1) {
      const names = this.resources.map((r) => `${r.type}::${r.name}`).join("\n  ");
      throw new Error(
        `expected one resource named ${name}${type ? ` of ${type}` : ""}, found ${hits.length}; have:\n  ${names}`,
      );
    }
    return hits[0] as RecordedResource;
  }

  /** Whether a resource of this name exists. */
  has(name: string, type?: string): boolean {
    return this.resources.some((r) => r.name === name && (!type || r.type === type));
  }

  /** All resources below `urn` in the parent tree. */
  descendants(urn: string): RecordedResource[] {
    const out: RecordedResource[] = [];
    const walk = (u: string) => {
      for (const r of this.resources) {
        if (r.parent === u) {
          out.push(r);
          walk(r.urn);
        }
      }
    };
    walk(urn);
    return out;
  }

  /** The parent record, if any. */
  parentOf(r: RecordedResource): RecordedResource | undefined {
    return this.byUrn.get(r.parent);
  }

  /**
   * Edges out of a resource: its dependencies and its provider (a resource waits for the
   * provider it is created with; the provider reference is `<urn>::<id>`).
   */
  edges(r: RecordedResource): string[] {
    const provider = r.provider ? r.provider.slice(0, r.provider.lastIndexOf("::")) : "";
    return provider && this.byUrn.has(provider) ? [...r.dependencies, provider] : r.dependencies;
  }

  /**
   * Whether `from` depends on `to`, directly or through other resources. Depending on a
   * component counts as depending on everything inside it (the SDK expands such edges).
   */
  dependsOn(
    from: RecordedResource,
    to: RecordedResource,
    opts: { direct?: boolean } = {},
  ): boolean {
    const targets = new Set([to.urn, ...this.descendants(to.urn).map((r) => r.urn)]);
    if (opts.direct) return this.edges(from).some((d) => targets.has(d));
    const seen = new Set<string>();
    const stack = [...this.edges(from)];
    while (stack.length > 0) {
      const u = stack.pop() as string;
      if (targets.has(u)) return true;
      if (seen.has(u)) continue;
      seen.add(u);
      const r = this.byUrn.get(u);
      if (r) stack.push(...this.edges(r));
    }
    return false;
  }

  /** Custom resources only (the ones the engine creates; components cost nothing). */
  customs(): RecordedResource[] {
    return this.resources.filter((r) => r.custom);
  }

  /** Direct dependencies of a resource, expanded from components to their custom children. */
  customDeps(r: RecordedResource): RecordedResource[] {
    return this.expandToCustoms(this.edges(r)).filter((d) => d.urn !== r.urn);
  }

  /**
   * The custom resources a list of URNs stands for: a custom resource itself, a component
   * every custom resource below it. Sorted by URN; URNs the run never produced are dropped.
   */
  expandToCustoms(urns: readonly string[]): RecordedResource[] {
    const out = new Map<string, RecordedResource>();
    for (const d of urns) {
      const dep = this.byUrn.get(d);
      if (!dep) continue;
      if (dep.custom) out.set(dep.urn, dep);
      else for (const c of this.descendants(dep.urn)) if (c.custom) out.set(c.urn, c);
    }
    return [...out.values()].sort((a, b) => a.urn.localeCompare(b.urn));
  }

  /**
   * The longest chain of custom resources linked by dependencies: the deploy's critical
   * path, first-created first.
   */
  criticalPath(): RecordedResource[] {
    const memo = new Map<string, RecordedResource[]>();
    const longest = (r: RecordedResource, visiting: Set<string>): RecordedResource[] => {
      const cached = memo.get(r.urn);
      if (cached) return cached;
      if (visiting.has(r.urn)) throw new Error(`dependency cycle through ${r.urn}`);
      visiting.add(r.urn);
      let best: RecordedResource[] = [];
      for (const d of this.customDeps(r)) {
        const chain = longest(d, visiting);
        if (chain.length > best.length) best = chain;
      }
      visiting.delete(r.urn);
      const result = [...best, r];
      memo.set(r.urn, result);
      return result;
    };
    let best: RecordedResource[] = [];
    // URN order makes the tie-break between equally long chains deterministic.
    for (const r of this.customs().sort((a, b) => a.urn.localeCompare(b.urn))) {
      const chain = longest(r, new Set());
      if (chain.length > best.length) best = chain;
    }
    return best;
  }

  /**
   * A Mermaid flowchart: components as subgraphs, custom resources as nodes, dependency
   * edges. Ordered by URN, never by registration order (which varies with async timing),
   * so the committed file changes only when the topology does.
   */
  mermaid(): string {
    const sorted = [...this.resources].sort((a, b) => a.urn.localeCompare(b.urn));
    const id = new Map(sorted.map((r, i) => [r.urn, `r${i}`]));
    const short = (t: string) => t.split(":").pop() ?? t;
    const lines = ["flowchart LR"];
    const emit = (parent: string, indent: string) => {
      for (const r of sorted.filter((x) => x.parent === parent)) {
        if (r.custom)
          lines.push(`${indent}${id.get(r.urn)}["${r.name}<br/><small>${short(r.type)}</small>"]`);
        else if (r.type !== "pulumi:pulumi:Stack") {
          lines.push(`${indent}subgraph ${id.get(r.urn)}["${r.name} (${short(r.type)})"]`);
          emit(r.urn, `${indent}  `);
          lines.push(`${indent}end`);
        } else emit(r.urn, indent);
      }
    };
    emit("", "  ");
    const edges: string[] = [];
    for (const r of this.customs()) {
      for (const d of this.customDeps(r)) edges.push(`  ${id.get(d.urn)} --> ${id.get(r.urn)}`);
    }
    lines.push(...edges.sort());
    return lines.join("\n");
  }
}
