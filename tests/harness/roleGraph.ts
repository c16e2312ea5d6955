/**
 * The behaviour of one program run, independent of component names and parents: for each
 * custom resource (the ones the engine creates) its type, inputs, the dynamic provider's
 * code, which inputs travel as secrets, the custom resources it waits for (in all and per
 * property), and every resource option the engine keeps or acts on; each invoke with the
 * resources it must observe; plus the stack outputs. Components are left out: they create
 * nothing and change nothing on deploy.
 *
 * Used to prove a restructuring changed names and parents only (tests/roleGraph.test.ts
 * compares a run against the graph recorded before the restructuring, through an explicit
 * rename table).
 */
import { createHash } from "crypto";
import { Graph } from "./graph";
import { RecordedOptions, RecordedResource, SECRET_SIG, SIG_KEY } from "./recorder";

/** One custom resource's behaviour; every reference to another resource is by its role. */
export interface RoleRecord {
  type: string;
  /** sha256 of the inputs in canonical JSON (references to resources by role), `__provider` aside. */
  inputs: string;
  /**
   * sha256 of the `__provider` input, the dynamic provider's serialized code (the engine
   * hands it to the dynamic provider plugin on every operation); "" for other resources.
   */
  providerCode: string;
  /** Top-level inputs sent as secrets. */
  secretInputs: string[];
  /** Custom resources this one waits for (dependsOn, Output dependencies, its provider). */
  dependsOn: string[];
  provider: string;
  deleteBeforeReplace: boolean;
  deletedWith: string;
  replaceWith: string[];
  protect: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  additionalSecretOutputs: string[];
  retainOnDelete: boolean;
  /** Only the operations given. */
  customTimeouts: RecordedOptions["customTimeouts"];
  hideDiffs: string[];
  /** sha256 of the replacement trigger's wire value (roles for resources), "" when unset. */
  replacementTrigger: string;
  version: string;
  pluginDownloadURL: string;
  importId: string;
  deleteBeforeReplaceDefined: boolean;
  /** Property -> custom resources its value came from (components expanded); empty lists left out. */
  propertyDependencies: Record<string, string[]>;
}

/** One call of an invoke: the resources it must observe, and its provider. */
export interface RoleInvokeCall {
  dependsOn: string[];
  provider: string;
}

/** A run's behaviour: resources by role, invokes, stack outputs by key. */
export interface RoleGraph {
  resources: Record<string, RoleRecord>;
  /**
   * Invokes by `<token> <args hash>` (arguments in canonical JSON, resources by role): each
   * call's dependencies and provider, sorted.
   */
  invokes: Record<string, RoleInvokeCall[]>;
  /** Stack outputs: whether each is secret, and a hash of its value. */
  outputs: Record<string, { secret: boolean; value: string }>;
}

/** The dynamic provider's serialized code: hashed on its own (`providerCode`). */
const PROVIDER_CODE = "__provider";

/** A resource's role before any rename: its type's last part and its logical name. */
export function defaultRole(r: RecordedResource): string {
  return `${r.type.split(":").pop() ?? r.type}:${r.name}`;
}

/** Canonical JSON: keys sorted at every level. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v);
}

/** The options of a resource recorded without them (hand-made test graphs). */
const NO_OPTIONS: RecordedOptions = {
  customTimeouts: {},
  hideDiffs: [],
  version: "",
  pluginDownloadURL: "",
  importId: "",
  deleteBeforeReplaceDefined: false,
  propertyDependencies: {},
};

const sha = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);

/**
 * The role graph of a run. `role` names a custom resource (default: its logical name;
 * after a rename, the name it had before).
 */
export function roleGraph(
  graph: Graph,
  outputs: Record<string, unknown>,
  role: (r: RecordedResource) => string = defaultRole,
): RoleGraph {
  const byUrn = new Map(graph.customs().map((r) => [r.urn, role(r)]));
  const ref = (urn: string) => byUrn.get(urn) ?? `<component or unknown: ${urn}>`;
  // The mock gives a custom resource the id `<logical name>-id` (mocks.ts); a real id does
  // not depend on the logical name. An input carrying a renamed resource's id (a policy's
  // id in a role, a backend service's id in a forwarding rule) reads as the id it had.
  const ids = new Map<string, string>(
    graph.customs().flatMap((r): [string, string][] => {
      const was = role(r).slice(role(r).indexOf(":") + 1);
      return was === r.name ? [] : [[`${r.name}-id`, `${was}-id`]];
    }),
  );
  const mapId = (id: string) => ids.get(id) ?? id;
  // Resource references and provider references inside inputs name URNs: map them to roles.
  const mapUrns = (v: unknown): unknown => {
    if (typeof v === "string" && v.startsWith("urn:pulumi:")) {
      if (byUrn.has(v)) return ref(v);
      // A provider reference: `<urn>::<id>`.
      const cut = v.lastIndexOf("::");
      return `${ref(v.slice(0, cut))}::${mapId(v.slice(cut + 2))}`;
    }
    if (typeof v === "string") return mapId(v);
    if (Array.isArray(v)) return v.map(mapUrns);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapUrns(x)]));
    return v;
  };
  // URNs as roles; a component stands for every custom resource below it (as in dependsOn).
  const roles = (urns: readonly string[]) =>
    [
      ...new Set(
        urns.flatMap((u) =>
          graph.byUrn.has(u) ? graph.expandToCustoms([u]).map((d) => ref(d.urn)) : [ref(u)],
        ),
      ),
    ].sort();
  const providerRole = (p: string) => (p ? ref(p.slice(0, p.lastIndexOf("::"))) : "");
  const resources: Record<string, RoleRecord> = {};
  for (const r of graph.customs()) {
    const name = role(r);
    const engine = inherited(graph, r);
    if (resources[name]) throw new Error(`two resources play the role ${name}`);
    const inputs = Object.fromEntries(
      Object.entries(r.wireInputs).filter(([k]) => k !== PROVIDER_CODE),
    );
    const code = r.wireInputs[PROVIDER_CODE];
    const o = r.options ?? NO_OPTIONS;
    resources[name] = {
      type: r.type,
      inputs: sha(canonical(mapUrns(inputs))),
      providerCode: code === undefined ? "" : sha(canonical(code)),
      secretInputs: Object.keys(r.wireInputs)
        .filter((k) => {
          const w = r.wireInputs[k] as Record<string, unknown> | undefined;
          return !!w && typeof w === "object" && w[SIG_KEY] === SECRET_SIG;
        })
        .sort(),
      dependsOn: [...new Set(graph.customDeps(r).map((d) => ref(d.urn)))].sort(),
      provider: providerRole(r.provider),
      deleteBeforeReplace: r.deleteBeforeReplace,
      deletedWith: engine.deletedWith ? ref(engine.deletedWith) : "",
      replaceWith: (r.replaceWith ?? []).map(ref).sort(),
      protect: engine.protect,
      ignoreChanges: [...r.ignoreChanges].sort(),
      replaceOnChanges: [...r.replaceOnChanges].sort(),
      additionalSecretOutputs: [...r.additionalSecretOutputs].sort(),
      retainOnDelete: engine.retainOnDelete,
      customTimeouts: o.customTimeouts,
      hideDiffs: [...o.hideDiffs].sort(),
      replacementTrigger:
        o.replacementTrigger === undefined ? "" : sha(canonical(mapUrns(o.replacementTrigger))),
      version: o.version,
      pluginDownloadURL: o.pluginDownloadURL,
      importId: o.importId,
      deleteBeforeReplaceDefined: o.deleteBeforeReplaceDefined,
      propertyDependencies: sortKeys(
        Object.fromEntries(
          Object.entries(o.propertyDependencies)
            .map(([k, urns]): [string, string[]] => [k, roles(urns)])
            .filter(([, v]) => v.length > 0),
        ),
      ),
    };
  }
  const invokes: RoleGraph["invokes"] = {};
  for (const i of graph.invokes) {
    const key = `${i.token} ${sha(canonical(mapUrns(i.args)))}`;
    (invokes[key] ??= []).push({
      dependsOn: roles(i.dependsOn),
      provider: providerRole(i.provider),
    });
  }
  for (const calls of Object.values(invokes))
    calls.sort((a, b) => canonical(a).localeCompare(canonical(b)));
  const out: RoleGraph["outputs"] = {};
  for (const k of Object.keys(outputs).sort()) {
    const w = outputs[k] as Record<string, unknown> | undefined;
    const secret = !!w && typeof w === "object" && w[SIG_KEY] === SECRET_SIG;
    out[k] = { secret, value: sha(canonical(mapUrns(outputs[k]))) };
  }
  return { resources: sortKeys(resources), invokes: sortKeys(invokes), outputs: out };
}

/**
 * The options the engine applies: an unset `deletedWith`, `protect` or `retainOnDelete`
 * is taken from the parent's goal, recursively (pulumi/pulumi pkg/resource/deploy/
 * source_eval.go, inheritFromParent). The SDK sends them unset unless given; a component
 * registered with `deletedWith` hands it to every child that sets none.
 */
export function inherited(
  graph: Graph,
  r: RecordedResource,
): { deletedWith: string; protect: boolean; retainOnDelete: boolean } {
  const parent = graph.parentOf(r);
  const up = parent ? inherited(graph, parent) : undefined;
  return {
    deletedWith: r.deletedWith || up?.deletedWith || "",
    protect: r.protectSet || !up ? r.protect : up.protect,
    retainOnDelete: r.retainOnDeleteSet || !up ? (r.retainOnDelete ?? false) : up.retainOnDelete,
  };
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k] as T]),
  );
}
