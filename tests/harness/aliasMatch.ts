/**
 * Which resources of the last deployment's state a run would update in place rather than
 * replace: the engine's URN and alias matching, transcribed from pulumi/pulumi
 * pkg/resource/deploy/step_generator.go (generateSteps, generateAliases, collapseAliasToUrn,
 * inheritedChildAlias). A resource keeps its old state when its URN, or one of its aliases,
 * names a URN in that state; children inherit the alias their parent matched.
 */
import { AliasSent, RecordedResource } from "./recorder";

/** The parts of a URN: `urn:pulumi:<stack>::<project>::<qualified type>::<name>`. */
function parts(urn: string): { stack: string; project: string; qualified: string; name: string } {
  const [head = "", project = "", qualified = "", ...rest] = urn.split("::");
  return { stack: head.replace(/^urn:pulumi:/, ""), project, qualified, name: rest.join("::") };
}

/** resource.NewURN: the parent's qualified type prefixes the type (`Parent$Type`). */
function createUrn(
  name: string,
  type: string,
  parent: string,
  project: string,
  stack: string,
): string {
  const qualified = parent ? `${parts(parent).qualified}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** The type's last part of a qualified type (`A$B$C` -> `C`). */
const typeOf = (urn: string) => parts(urn).qualified.split("$").pop() ?? "";

/**
 * For each resource of the run (registration order: parents first), the old URN it
 * takes over (its own URN or a matched alias), or undefined when it is a create.
 */
export function matchOldUrns(
  run: readonly RecordedResource[],
  olds: ReadonlySet<string>,
): Map<string, string | undefined> {
  const matched = new Map<string, string | undefined>();
  // sg.aliases: new URN -> the old URN it matched through an alias.
  const usedAlias = new Map<string, string>();
  for (const r of run) {
    const { stack, project } = parts(r.urn);
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
    const old = [r.urn, ...aliases].find((u) => olds.has(u));
    if (old && old !== r.urn) usedAlias.set(r.urn, old);
    matched.set(r.urn, old);
  }
  return matched;
}
