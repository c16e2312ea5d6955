/**
 * A recording mock monitor: Pulumi's `MockMonitor`, plus a record of every registration
 * request (type, name, parent, inputs with secret markers, dependency URNs, options) and of
 * every invoke (token, arguments, provider, dependencies), and the engine's invoke gate.
 * The SDK's requests carry all of it; the stock monitor throws it away.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor, Mocks } from "@pulumi/pulumi/runtime/mocks";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import {
  AliasSent,
  aliasesOf,
  hasUnresolved,
  InvokeRequest,
  invokeOf,
  optionsOf,
  RecordedInvoke,
  RecordedOptions,
  RegisterRequest,
  Settled,
} from "./requests";
import { isSecretOnWire, SECRET_SIG, SIG_KEY, unwrapSecrets } from "./wire";

export type { AliasSent, RecordedInvoke, RecordedOptions };
export { isSecretOnWire, plainStrings, SECRET_SIG, SIG_KEY, UNKNOWN, unwrapSecrets } from "./wire";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const resproto = require("@pulumi/pulumi/proto/resource_pb") as {
  RegisterResourceResponse: new () => {
    setUrn(u: string): void;
    setId(i: string): void;
    setObject(o: unknown): void;
  };
  ResourceInvokeResponse: new () => { setUnknown(u: boolean): void };
  ResourceMonitorFeature: Record<string, number>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const structproto = require("google-protobuf/google/protobuf/struct_pb") as {
  Struct: { fromJavaScript(o: unknown): unknown };
};

/**
 * The URN the engine assigns (pulumi/pulumi pkg/resource/deploy/deployment.go generateURN):
 * the parent's full qualified type prefixes the type, except for the root stack, which
 * never appears in a URN. (The SDK's MockMonitor uses the parent's last type only and keeps
 * the stack's: its URNs differ from real ones below the first level.)
 */
function newUrn(parent: string, type: string, name: string): string {
  let qualified = type;
  const parentQualified = parent.split("::")[2] ?? "";
  if (parent && parentQualified !== "pulumi:pulumi:Stack") {
    qualified = `${parentQualified}$${type}`;
  }
  return `urn:pulumi:${settings.getStack()}::${settings.getProject()}::${qualified}::${name}`;
}

/** One registered resource, as the engine would have seen it. */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  /** Parent URN ("" for the stack). */
  parent: string;
  /**
   * Position in the order the monitor received the requests (the engine's step generator
   * takes them in that order); `records` is in completion order, which may differ.
   */
  arrival?: number;
  custom: boolean;
  /** Inputs with secrets unwrapped (unknowns stay as the UNKNOWN sentinel). */
  inputs: Record<string, unknown>;
  /** Inputs as sent on the wire: secrets wrapped in `{SIG_KEY: SECRET_SIG, value}`. */
  wireInputs: Record<string, unknown>;
  /** URNs this resource depends on directly (dependsOn plus Output dependencies). */
  dependencies: string[];
  provider: string;
  deleteBeforeReplace: boolean;
  replaceOnChanges: string[];
  ignoreChanges: string[];
  additionalSecretOutputs: string[];
  protect: boolean;
  /** Whether `protect` / `retainOnDelete` were sent at all (unset: the engine takes the parent's). */
  protectSet?: boolean;
  retainOnDeleteSet?: boolean;
  /** URN of the resource whose deletion deletes this one (`deletedWith`), or "". */
  deletedWith?: string;
  /** URNs whose replacement replaces this one (`replaceWith`). */
  replaceWith?: string[];
  retainOnDelete?: boolean;
  /** The `aliases` option as sent: an old URN, or a spec the engine completes. */
  aliases?: AliasSent[];
  /** The other options the engine keeps or acts on (absent in hand-made test graphs). */
  options?: RecordedOptions;
  /** State the mock returned, wire form (secrets marked as the engine would). */
  outputState: Record<string, unknown>;
  /** Registered outputs (components and the stack), wire form. */
  outputs?: Record<string, unknown>;
}

/** gRPC-style error: the SDK reads `details`, not `message`. */
function withDetails(err: unknown): unknown {
  if (err instanceof Error) Object.assign(err, { details: err.message });
  return err;
}

/** A `MockMonitor` that records every registration. */
export class RecordingMonitor extends MockMonitor {
  readonly records: RecordedResource[] = [];
  /**
   * Every string value that was a secret somewhere (a secret input, or an output the
   * engine marks secret). A leak is one of these appearing unmarked anywhere else.
   */
  readonly secretValues = new Set<string>();
  readonly byUrn = new Map<string, RecordedResource>();
  /** Every invoke, in the order the engine received them. */
  readonly invokes: RecordedInvoke[] = [];
  private arrivals = 0;

  constructor(mocks: Mocks) {
    super(mocks);
  }

  /**
   * Same as `MockMonitor.registerResource`, plus the record, plus what the engine does and
   * the stock mock does not: outputs named in `additionalSecretOutputs`, and outputs whose
   * input of the same name was secret, come back as secrets.
   */
  override async registerResource(
    req: RegisterRequest,
    callback: (err: unknown, resp: unknown) => void,
  ): Promise<void> {
    const arrival = this.arrivals++;
    try {
      const wireInputs = req.getObject()?.toJavaScript() ?? {};
      const type = req.getType();
      const name = req.getName();
      const result = await this.mocks.newResource({
        type,
        name,
        inputs: unwrapSecrets(wireInputs),
        provider: req.getProvider(),
        custom: req.getCustom(),
        id: req.getImportid(),
      });
      const urn = newUrn(req.getParent(), type, name);
      const secretKeys = new Set([
        ...req.getAdditionalsecretoutputsList(),
        ...Object.keys(wireInputs).filter((k) => isSecretOnWire(wireInputs, k)),
      ]);
      const state: Record<string, unknown> = { ...result.state };
      for (const k of Object.keys(state)) {
        if (secretKeys.has(k)) {
          this.collectSecrets(state[k]);
          state[k] = pulumi.secret(state[k]);
        }
      }
      this.collectSecrets(wireInputs, false);
      const serialized = (await rpc.serializeProperties("", state)) as Record<string, unknown>;
      this.resources.set(urn, { urn, id: result.id ?? null, state: serialized });
      this.record(req, urn, wireInputs, serialized, {
        arrival,
        custom: req.getCustom(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
        replaceOnChanges: req.getReplaceonchangesList(),
        ignoreChanges: req.getIgnorechangesList(),
        protect: req.getProtect(),
      });
      const response = new resproto.RegisterResourceResponse();
      response.setUrn(urn);
      response.setId(result.id ?? "");
      response.setObject(structproto.Struct.fromJavaScript(serialized));
      callback(null, response);
    } catch (err) {
      callback(withDetails(err), undefined);
    }
  }

  /** Remembers secret strings: all of `v`, or (inSecret false) those inside secret markers. */
  private collectSecrets(v: unknown, inSecret = true): void {
    if (typeof v === "string") {
      // Certificates are public: the program stores them in Secret Manager (a secret input)
      // only so rotation never touches instance templates.
      if (inSecret && v.length >= 8 && !v.startsWith("-----BEGIN CERTIFICATE-----"))
        this.secretValues.add(v);
    } else if (Array.isArray(v)) {
      for (const x of v) this.collectSecrets(x, inSecret);
    } else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o[SIG_KEY] === SECRET_SIG) this.collectSecrets(o.value, true);
      else for (const x of Object.values(o)) this.collectSecrets(x, inSecret);
    }
  }

  /** Adds one record; registrations and reads differ only in `extra`. */
  private record(
    req: RegisterRequest,
    urn: string,
    wireInputs: Record<string, unknown>,
    outputState: Record<string, unknown>,
    extra: {
      arrival: number;
      custom: boolean;
      id?: string;
      deleteBeforeReplace?: boolean;
      replaceOnChanges?: string[];
      ignoreChanges?: string[];
      protect?: boolean;
    },
  ): void {
    const inputs = unwrapSecrets(wireInputs) as Record<string, unknown>;
    const rec: RecordedResource = {
      urn,
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent(),
      arrival: extra.arrival,
      custom: extra.custom,
      inputs: extra.id === undefined ? inputs : { ...inputs, id: extra.id },
      wireInputs,
      dependencies: req.getDependenciesList(),
      provider: req.getProvider(),
      deleteBeforeReplace: extra.deleteBeforeReplace ?? false,
      replaceOnChanges: extra.replaceOnChanges ?? [],
      ignoreChanges: extra.ignoreChanges ?? [],
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      protect: extra.protect ?? false,
      protectSet: req.hasProtect?.() ?? false,
      retainOnDeleteSet: req.hasRetainondelete?.() ?? false,
      deletedWith: req.getDeletedwith?.() ?? "",
      replaceWith: req.getReplaceWithList?.() ?? [],
      retainOnDelete: req.getRetainondelete?.() ?? false,
      aliases: aliasesOf(req),
      options: optionsOf(req),
      outputState,
    };
    this.records.push(rec);
    this.byUrn.set(urn, rec);
  }

  /** Reads (StackReference, `get` functions) are recorded like registrations. */
  override async readResource(
    req: RegisterRequest & {
      getProperties(): { toJavaScript(): Record<string, unknown> } | undefined;
      getId(): string;
    },
    callback: (err: unknown, resp: unknown) => void,
  ): Promise<void> {
    const arrival = this.arrivals++;
    await super.readResource(req, (err: unknown, resp: unknown) => {
      if (!err && resp) {
        const wireInputs = req.getProperties()?.toJavaScript() ?? {};
        const urn = (resp as { getUrn(): string }).getUrn();
        // A read carries no replacement options; its id is part of what was asked for.
        this.record(
          req,
          urn,
          wireInputs,
          (this.resources.get(urn)?.state ?? {}) as Record<string, unknown>,
          { arrival, custom: true, id: req.getId() },
        );
      }
      callback(err ? withDetails(err) : err, resp);
    });
  }

  /**
   * Records the invoke, then answers as the engine does (source_eval.go resmon.Invoke): an
   * invoke whose `dependsOn` reaches a resource not yet created gets `Unknown: true`, without
   * calling the provider; any other goes to the mocks. The SDK rethrows monitor errors as
   * `new Error(err.details)`: keep the message.
   */
  override async invoke(
    req: InvokeRequest,
    callback: (err: unknown, resp: unknown) => void,
  ): Promise<void> {
    const call = invokeOf(req);
    const unknown = call.dependsOn.length > 0 && hasUnresolved(call.dependsOn, this.settled());
    this.invokes.push({ ...call, unknown });
    if (unknown) {
      const response = new resproto.ResourceInvokeResponse();
      response.setUnknown(true);
      callback(null, response);
      return;
    }
    await super.invoke(req, (err, resp) => callback(err ? withDetails(err) : err, resp));
  }

  /** Every settled registration, as the engine's resource tracker holds it. */
  private settled(): Map<string, Settled> {
    return new Map(
      this.records.map((r): [string, Settled] => [
        r.urn,
        { parent: r.parent, custom: r.custom, id: this.resources.get(r.urn)?.id ?? "" },
      ]),
    );
  }

  /**
   * The mock's feature list plus what the engine always advertises and this monitor serves:
   * invoke dependencies (source_eval.go supportedMonitorFeatures appends
   * RESOURCE_MONITOR_FEATURE_INVOKE_DEPENDS_ON; the SDK turns `supportsInvokeDependsOn` on
   * from it, sdk/nodejs/runtime/settings.ts).
   */
  override getDeploymentInfo(req: unknown, callback: (err: unknown, resp: unknown) => void): void {
    super.getDeploymentInfo(req, (err: unknown, resp: unknown) => {
      const info = resp as
        { getSupportedfeaturesList(): number[]; addSupportedfeatures(f: number): void } | undefined;
      const feature = resproto.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_INVOKE_DEPENDS_ON;
      if (
        !err &&
        info &&
        feature !== undefined &&
        !info.getSupportedfeaturesList().includes(feature)
      )
        info.addSupportedfeatures(feature);
      callback(err, resp);
    });
  }

  override registerResourceOutputs(
    req: {
      getUrn(): string;
      getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
    },
    callback: (err: unknown, resp: unknown) => void,
  ): void {
    const rec = this.byUrn.get(req.getUrn());
    if (rec) rec.outputs = req.getOutputs()?.toJavaScript() ?? {};
    super.registerResourceOutputs(req, callback);
  }
}
