/**
 * What the SDK's requests to the resource monitor carry, read through their protobuf getters
 * (@pulumi/pulumi/proto/resource_pb.js, pulumirpc.RegisterResourceRequest, ReadResourceRequest,
 * ResourceInvokeRequest): a registration's options and aliases, and an invoke's token,
 * arguments, provider and dependencies. The stock mock monitor throws all of it away; the
 * engine keeps it in state or acts on it.
 */

/** One alias as the SDK sends it (pulumirpc.Alias): a URN, or a spec. */
export interface AliasSent {
  urn?: string;
  name?: string;
  type?: string;
  stack?: string;
  project?: string;
  parentUrn?: string;
  noParent?: boolean;
}

/** The protobuf getters of pulumirpc.Alias. */
interface AliasMessage {
  getUrn(): string;
  getSpec():
    | {
        getName(): string;
        getType(): string;
        getStack(): string;
        getProject(): string;
        getParenturn(): string;
        getNoparent(): boolean;
      }
    | undefined;
}

/** A protobuf Struct or Value as the SDK sends it. */
interface JsMessage {
  toJavaScript(): unknown;
}

/**
 * Minimal view of the register request the SDK sends (protobuf getters). A read request
 * (ReadResourceRequest) has the getters marked optional as absent.
 */
export interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getDependenciesList(): string[];
  getDeletebeforereplace(): boolean;
  getReplaceonchangesList(): string[];
  getIgnorechangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getProtect(): boolean;
  hasProtect?(): boolean;
  hasRetainondelete?(): boolean;
  getImportid(): string;
  getDeletedwith?(): string;
  getReplaceWithList?(): string[];
  getRetainondelete?(): boolean;
  getAliasesList?(): AliasMessage[];
  getVersion?(): string;
  getPlugindownloadurl?(): string;
  getDeletebeforereplacedefined?(): boolean;
  getHidediffsList?(): string[];
  hasReplacementTrigger?(): boolean;
  getReplacementTrigger?(): JsMessage | undefined;
  getCustomtimeouts?():
    | { getCreate(): string; getUpdate(): string; getDelete(): string; getRead(): string }
    | undefined;
  getPropertydependenciesMap?(): {
    forEach(cb: (deps: { getUrnsList(): string[] }, key: string) => void): void;
  };
}

/** Options of a registration the engine keeps in state or acts on, beyond the common ones. */
export interface RecordedOptions {
  /** `customTimeouts`: only the operations given (the SDK always sends the message). */
  customTimeouts: { create?: string; update?: string; delete?: string; read?: string };
  /** `hideDiffs`, as sent. */
  hideDiffs: string[];
  /** `replacementTrigger`, wire form (protobuf Value), or undefined when not given. */
  replacementTrigger?: unknown;
  /** Provider plugin version and download URL the engine loads the provider from. */
  version: string;
  pluginDownloadURL: string;
  /** `import`: the id the engine adopts instead of creating. */
  importId: string;
  /** Whether `deleteBeforeReplace` was given at all (false given differs from unset). */
  deleteBeforeReplaceDefined: boolean;
  /** Property -> URNs its value came from (the engine's propertyDependencies in state). */
  propertyDependencies: Record<string, string[]>;
}

/** Reads the aliases of a register request. */
export function aliasesOf(req: RegisterRequest): AliasSent[] {
  return (req.getAliasesList?.() ?? []).map((a) => {
    const spec = a.getSpec();
    if (!spec) return { urn: a.getUrn() };
    const out: AliasSent = {};
    if (spec.getName()) out.name = spec.getName();
    if (spec.getType()) out.type = spec.getType();
    if (spec.getStack()) out.stack = spec.getStack();
    if (spec.getProject()) out.project = spec.getProject();
    if (spec.getParenturn()) out.parentUrn = spec.getParenturn();
    if (spec.getNoparent()) out.noParent = true;
    return out;
  });
}

/** Reads the options of a register request (a read request: the few it has). */
export function optionsOf(req: RegisterRequest): RecordedOptions {
  const t = req.getCustomtimeouts?.();
  const customTimeouts: RecordedOptions["customTimeouts"] = {};
  if (t?.getCreate()) customTimeouts.create = t.getCreate();
  if (t?.getUpdate()) customTimeouts.update = t.getUpdate();
  if (t?.getDelete()) customTimeouts.delete = t.getDelete();
  if (t?.getRead()) customTimeouts.read = t.getRead();
  const propertyDependencies: Record<string, string[]> = {};
  req.getPropertydependenciesMap?.().forEach((deps, key) => {
    propertyDependencies[key] = deps.getUrnsList();
  });
  const out: RecordedOptions = {
    customTimeouts,
    hideDiffs: req.getHidediffsList?.() ?? [],
    version: req.getVersion?.() ?? "",
    pluginDownloadURL: req.getPlugindownloadurl?.() ?? "",
    importId: req.getImportid?.() ?? "",
    deleteBeforeReplaceDefined: req.getDeletebeforereplacedefined?.() ?? false,
    propertyDependencies,
  };
  if (req.hasReplacementTrigger?.())
    out.replacementTrigger = req.getReplacementTrigger?.()?.toJavaScript();
  return out;
}

/** Minimal view of pulumirpc.ResourceInvokeRequest. */
export interface InvokeRequest {
  getTok(): string;
  getArgs(): JsMessage | undefined;
  getProvider(): string;
  getDependsonList?(): string[];
}

/** One invoke as the engine received it. */
export interface RecordedInvoke {
  token: string;
  /** Arguments, wire form (the SDK unwraps secrets before sending). */
  args: Record<string, unknown>;
  /** Provider reference (`<urn>::<id>`), "" for the default provider. */
  provider: string;
  /**
   * URNs the invoke must observe (ResourceInvokeRequest.dependsOn: its `dependsOn` and the
   * resources its arguments came from, components expanded by the SDK). Sent only when the
   * monitor advertises the invoke-depends-on feature.
   */
  dependsOn: string[];
  /** Whether the engine's gate answered "unknown" instead of calling the provider. */
  unknown: boolean;
}

/** Reads an invoke request. */
export function invokeOf(req: InvokeRequest): Omit<RecordedInvoke, "unknown"> {
  return {
    token: req.getTok(),
    args: (req.getArgs()?.toJavaScript() ?? {}) as Record<string, unknown>,
    provider: req.getProvider(),
    dependsOn: req.getDependsonList?.() ?? [],
  };
}

/** What the invoke gate knows of a settled registration. */
export interface Settled {
  parent: string;
  custom: boolean;
  /** The id it settled with ("" while its creation is outstanding, as in a preview). */
  id: string;
}

/**
 * The engine's invoke gate (pulumi/pulumi pkg/resource/deploy/source_eval.go, resmon.Invoke:
 * `if rm.registrations.HasUnresolved(roots) { return &ResourceInvokeResponse{Unknown: true} }`;
 * pkg/resource/deploy/resourcetracker/tracker.go HasUnresolved/expand): true when a custom
 * resource in the expansion of `roots` has no id. A component expands to its descendants
 * through components, stopping at custom resources; URNs the run never produced are skipped.
 * (The tracker also waits for registrations in flight beneath a component; the SDK awaits
 * every URN it sends, and sends components already expanded, so nothing is in flight here.)
 */
export function hasUnresolved(roots: readonly string[], settled: Map<string, Settled>): boolean {
  const children = new Map<string, string[]>();
  for (const [urn, s] of settled) children.set(s.parent, [...(children.get(s.parent) ?? []), urn]);
  const seen = new Set<string>();
  const frontier = [...roots];
  while (frontier.length > 0) {
    const urn = frontier.pop() as string;
    const s = settled.get(urn);
    if (!s) continue;
    if (s.custom) {
      if (!s.id) return true;
      continue;
    }
    if (!seen.has(urn)) {
      seen.add(urn);
      frontier.push(...(children.get(urn) ?? []));
    }
  }
  return false;
}
