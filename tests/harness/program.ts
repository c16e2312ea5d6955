/**
 * Runs the whole program (`index.ts`) under Pulumi's mock runtime for one stack's config
 * file, with the recording monitor, and returns the captured graph and stack outputs.
 * No CLI, no credentials, no network.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { Graph } from "./graph";
import { MockOverrides, ProgramMocks } from "./mocks";
import { plainStrings, RecordingMonitor, unwrapSecrets } from "./recorder";
import { ROOT, acceptorPlaceholders, offlineStandIns, readStackConfig } from "./stackConfig";

export { ROOT, readStackConfig };

// Internal SDK functions (marked @internal, so absent from the typings).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const state = require("@pulumi/pulumi/runtime/state") as { getStore(): Record<string, unknown> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const internalSettings = require("@pulumi/pulumi/runtime/settings") as {
  waitForRPCs(): Promise<void>;
};

/** Options of one run. */
export interface RunOptions {
  /** Stack name; its `Pulumi.<stack>.yaml` is read unless `configFile` says otherwise. */
  stack: string;
  configFile?: string;
  /** Config overrides by full key (`hashistack:serverCount`); `null` removes a key. */
  config?: Record<string, unknown>;
  /** Keys (full) to mark as secret config, e.g. `hashistack:consulLicense`. */
  secretKeys?: string[];
  /** Simulate `pulumi preview` (unknown computed values). */
  preview?: boolean;
  /**
   * The organization the CLI passes (`pulumi.getOrganization()`): the file backend's is
   * `organization` (the default here), Pulumi Cloud's the stack owner's.
   */
  organization?: string;
  mocks?: MockOverrides;
  /** Run this function instead of `index.ts` (harness self-tests). */
  program?: () => Promise<Record<string, unknown>>;
}

/** What one run produced. */
export interface ProgramRun {
  graph: Graph;
  /** Stack outputs, wire form (secrets marked). */
  outputs: Record<string, unknown>;
  /** Stack outputs with secrets unwrapped. */
  plainOutputs: Record<string, unknown>;
  mocks: ProgramMocks;
  /** Every string that was secret somewhere in the run (see RecordingMonitor.secretValues). */
  secretValues: Set<string>;
  /** The program's error, when it failed. */
  error?: Error;
}

/** Installs the mock runtime with the recording monitor, with the features `setMocks` turns on. */
export function installMocks(
  monitor: RecordingMonitor,
  stack: string,
  preview: boolean,
  organization: string,
): void {
  settings.setMockOptions(monitor, "hashistack", stack, preview, organization);
  // setMockOptions alone leaves every feature flag off, and secrets would then serialize as
  // plain values; turn them on as pulumi.runtime.setMocks does (3.270 also sets the resource
  // and error hook flags, which this program does not use), except invoke-depends-on, which
  // the engine advertises and setMocks leaves off.
  const store = state.getStore();
  store.supportsSecrets = true;
  store.supportsResourceReferences = true;
  store.supportsOutputValues = false;
  store.supportsDeletedWith = true;
  store.supportsReplaceWith = true;
  store.supportsAliasSpecs = true;
  store.supportsTransforms = true;
  store.supportsInvokeTransforms = true;
  store.supportsParameterization = true;
  // The engine advertises invoke dependencies (pulumi/pulumi pkg/resource/deploy/source_eval.go,
  // supportedMonitorFeatures: RESOURCE_MONITOR_FEATURE_INVOKE_DEPENDS_ON), so under the CLI the
  // SDK sends an output invoke's `dependsOn` (URNs, components expanded) and the engine gates it
  // (sdk/nodejs/runtime/invoke.ts). setMocks turns it off because the stock mock monitor has no
  // gate; RecordingMonitor has the engine's (requests.ts hasUnresolved) and records the URNs.
  store.supportsInvokeDependsOn = true;
}

let running = false;

/** Runs `index.ts` for a stack and records everything it registers. Runs are serialized. */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
  if (running)
    throw new Error(
      "runProgram: runs share Pulumi's global runtime state; await the previous run first",
    );
  running = true;
  const rejections: unknown[] = [];
  const onRejection = (e: unknown) => rejections.push(e);
  process.on("unhandledRejection", onRejection);
  try {
    const file = opts.configFile ?? path.join(ROOT, `Pulumi.${opts.stack}.yaml`);
    // The shipped operator placeholder is refused by the program; offline runs stand in for it.
    const config = offlineStandIns(readStackConfig(file)).config;
    for (const [k, v] of Object.entries(opts.config ?? {})) {
      if (v === null) delete config[k];
      else config[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    // Stacks this config dials answer with placeholder outputs unless the test says otherwise.
    const organization = opts.organization ?? "organization";
    const mocks = new ProgramMocks({
      ...opts.mocks,
      stackOutputs: opts.mocks?.stackOutputs ?? acceptorPlaceholders(config, organization),
    });
    const monitor = new RecordingMonitor(mocks);
    installMocks(monitor, opts.stack, opts.preview ?? false, organization);
    pulumi.runtime.setAllConfig(config, opts.secretKeys ?? []);

    const program =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      opts.program ?? (require(path.join(ROOT, "index")) as () => Promise<Record<string, unknown>>);
    let error: Error | undefined;
    const capture = (e: unknown) => {
      error ??= e instanceof Error ? e : new Error(String(e));
    };
    // The program's own error is captured inside the stack's init, so the stack resource's
    // outputs never reject unobserved.
    await pulumi.runtime
      .runInPulumiStack(async () => {
        try {
          return await program();
        } catch (e) {
          capture(e);
          return {};
        }
      })
      .catch(capture);
    await internalSettings.waitForRPCs().catch((e: unknown) => rejections.push(e));
    // Let registrations that were still resolving settle.
    await new Promise((r) => setImmediate(r));
    if (!error && rejections.length > 0) {
      const first = rejections[0];
      error = first instanceof Error ? first : new Error(String(first));
    }
    const graph = new Graph(monitor.records, monitor.invokes);
    const stackRes = monitor.records.find((r) => r.type === "pulumi:pulumi:Stack");
    const outputs = stackRes?.outputs ?? {};
    return {
      graph,
      outputs,
      plainOutputs: unwrapSecrets(outputs) as Record<string, unknown>,
      mocks,
      secretValues: monitor.secretValues,
      ...(error ? { error } : {}),
    };
  } finally {
    process.off("unhandledRejection", onRejection);
    running = false;
  }
}

/**
 * Places where a value that was secret somewhere appears unmarked: every input, state and
 * registered output of every resource, and the stack outputs. Empty means no leak.
 */
export function secretLeaks(run: ProgramRun): string[] {
  const found: string[] = [];
  for (const r of run.graph.all()) {
    for (const [where, obj] of [
      ["inputs", r.wireInputs],
      ["state", r.outputState],
      ["outputs", r.outputs ?? {}],
    ] as const) {
      for (const s of plainStrings(obj)) {
        for (const secret of run.secretValues)
          if (s.value.includes(secret)) found.push(`${r.name} ${where}.${s.path}`);
      }
    }
  }
  return found;
}
