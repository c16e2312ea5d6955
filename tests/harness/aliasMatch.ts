/**
 * Which resources of the last deployment's state a run would update in place rather than
 * replace, and which alias claims would fail the deployment: the engine's URN and alias
 * matching, transcribed from pulumi/pulumi (commit 1b59498) pkg/resource/deploy/
 * step_generator.go (generateURN, getOldResource, generateAliases, collapseAliasToUrn,
 * inheritedChildAlias) and sdk/go/common/resource/alias.go (CreateURN). A resource keeps its
 * old state when its URN, or one of its aliases, names a URN in that state; children inherit
 * the alias their parent matched.
 */
import { AliasSent, RecordedResource } from "./recorder";

/** The parts of a URN: `urn:pulumi:<stack>::<project>::<qualified type>::<name>`. */
function parts(urn: string): { stack: string; project: string; qualified: string; name: string } {
  const [head = "", project = "", qualified = "", ...rest] = urn.split("::");
  return { stack: head.replace(/^urn:pulumi:/, ""), project, qualified, name: rest.join("::") };
}

/**
 * resource.CreateURN (alias.go:40-55): without a parent, the stack and project given; with
 * one, the parent URN up to its last `::` (its stack, project and qualified type) then `$`,
 * so an alias's own stack and project do not count once it has a parent.
 */
export function createUrn(
  name: string,
  type: string,
  parent: string,
  project: string,
  stack: string,
): string {
  const prefix = parent
    ? `${parent.slice(0, parent.lastIndexOf("::"))}$`
    : `urn:pulumi:${stack}::${project}::`;
  return `${prefix}${type}::${name}`;
}

/** The type's last part of a qualified type (`A$B$C` -> `C`). */
const typeOf = (urn: string) => parts(urn).qualified.split("$").pop() ?? "";

/** What the engine makes of a run against the old state. */
export interface AliasMatch {
  /** For each resource of the run, the old URN it takes over, or undefined (a create). */
  matched: Map<string, string | undefined>;
  /**
   * The engine's duplicate-alias errors, in its words (sdk/go/common/diag/errors.go,
   * GetDuplicateResourceAliasError 2008, GetDuplicateResourceAliasedError 2016). Each is a
   * diagnostic at error severity: the deployment fails.
   */
  errors: string[];
}

/**
 * Matches a run (taken in the order the engine received the registrations: parents first)
 * against the URNs of the old state.
 */
export function matchOldUrns(
  run: readonly RecordedResource[],
  olds: ReadonlySet<string>,
): AliasMatch {
  const matched = new Map<string, string | undefined>();
  const errors: string[] = [];
  // sg.urns: every URN registered so far (generateURN records it before getOldResource).
  const urns = new Set<string>();
  // sg.aliased: old URN -> the new URN that claimed it through an alias.
  const aliased = new Map<string, string>();
  // sg.aliases: new URN -> the old URN it matched through an alias.
  const usedAlias = new Map<string, string>();
  const ordered = [...run].sort((a, b) => (a.arrival ?? 0) - (b.arrival ?? 0));
  for (const r of ordered) {
    const { stack, project } = parts(r.urn);
    urns.add(r.urn);
    // collapseAliasToUrn (step_generator.go:545-585).
    const collapse = (a: AliasSent): string => {
      if (a.urn) return a.urn;
      let parent = a.parentUrn ?? r.parent;
      if (a.parentUrn) parent = usedAlias.get(a.parentUrn) ?? parent;
      if (a.noParent || (parent && parts(parent).qualified === "pulumi:pulumi:Stack")) parent = "";
      return createUrn(
        a.name ?? r.name,
        a.type ?? r.type,
        parent,
        a.project ?? project,
        a.stack ?? stack,
      );
    };
    // generateAliases (step_generator.go:621-653), inheritedChildAlias (:590-619).
    const aliases = new Set((r.aliases ?? []).map(collapse));
    const parentAlias = r.parent ? usedAlias.get(r.parent) : undefined;
    if (parentAlias) {
      const inherited = (childType: string, childName: string) => {
        const parentName = parts(r.parent).name;
        const name = childName.startsWith(parentName)
          ? parts(parentAlias).name + childName.slice(parentName.length)
          : childName;
        return `urn:pulumi:${stack}::${project}::${parts(parentAlias).qualified}$${childType}::${name}`;
      };
      aliases.add(inherited(r.type, r.name));
      for (const a of r.aliases ?? []) {
        const c = collapse(a);
        aliases.add(inherited(typeOf(c), parts(c).name));
      }
    }
    // getOldResource (step_generator.go:655-713): a URN another resource claimed as its alias.
    const claimedBy = aliased.get(r.urn);
    if (claimedBy !== undefined)
      errors.push(
        `Duplicate resource URN '${r.urn}' conflicting with alias on resource with URN '${claimedBy}'`,
      );
    // The URN first, then the aliases; the first found in the old state wins.
    const old = [r.urn, ...aliases].find((u) => olds.has(u));
    if (old && old !== r.urn) {
      // An old URN a resource of this run already has as its own URN (the engine passes the
      // claiming URN twice here) or already claimed through an alias.
      if (urns.has(old))
        errors.push(
          `Duplicate resource alias '${old}' applied to resource with URN '${r.urn}' conflicting with resource with URN '${r.urn}'`,
        );
      const previous = aliased.get(old);
      if (previous !== undefined)
        errors.push(
          `Duplicate resource alias '${old}' applied to resource with URN '${r.urn}' conflicting with resource with URN '${previous}'`,
        );
      aliased.set(old, r.urn);
      usedAlias.set(r.urn, old);
    }
    matched.set(r.urn, old);
  }
  return { matched, errors };
}
