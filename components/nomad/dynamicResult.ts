/**
 * What a dynamic provider can tell the engine besides its return values, in this SDK
 * (@pulumi/pulumi 3.270): partial state on a failed create or update, and notes printed
 * with a preview. Import-free: Pulumi serializes the providers that call these.
 */

/** The input the SDK reserves for a dynamic resource's serialized provider code. */
export const PROVIDER_KEY = "__provider";

/** An error carrying partial state, in the shape the Node dynamic provider looks for. */
export interface PartialFailure extends Error {
  /** The object's ID: it exists, so the engine records it. */
  id: string;
  /** Its outputs as they are now. */
  properties: Record<string, unknown>;
  /** Why it is not ready; the engine stores these as the resource's init errors. */
  reasons: string[];
}

/**
 * An error that says: the object exists but did not become ready. The Node dynamic
 * provider turns a thrown error with an `id` into `ErrorResourceInitFailed` carrying `id`,
 * `properties` and `reasons` (`cmd/dynamic-provider/index.js`, `grpcResponseFromError`,
 * used by both `create` and `update`). The engine then records the resource with these
 * outputs (an update keeps the old inputs: `pkg/engine/update.go`, "partially-failed
 * update") and the reasons as init errors, and the next `up` updates it again even when
 * the diff finds nothing ("If resource was unchanged, but there were initialization
 * errors", `pkg/resource/deploy/step_generator.go`).
 *
 * Unlike a successful result, these properties do not get `__provider` added by the SDK,
 * yet `read` and `delete` load the provider from the recorded outputs (`getProvider(props)`
 * in the same file): so it is copied here from the inputs, or the next refresh or destroy
 * of the resource would fail.
 */
export function partialFailure(
  message: string,
  id: string,
  outs: object,
  inputs: object,
): PartialFailure {
  const provider = (inputs as Record<string, unknown>)[PROVIDER_KEY];
  return Object.assign(new Error(message), {
    id,
    properties: { ...outs, ...(provider !== undefined ? { [PROVIDER_KEY]: provider } : {}) },
    reasons: [message],
  });
}

/**
 * Prints a note for the person reading a preview. The dynamic provider's `diff` result
 * carries only changes, replaces and deleteBeforeReplace (`cmd/dynamic-provider/index.js`,
 * `diff`: a `detailedDiff` would be dropped), so a note cannot travel in it. The engine
 * forwards each line the dynamic provider plugin writes to stderr as a diagnostic
 * (`sdk/go/common/resource/plugin/plugin.go`, `runtrace`: `Diag.Infoerrf` for
 * `pulumi-resource-pulumi-nodejs`), which `pulumi preview --diff` prints to stderr
 * (`pkg/backend/display/diff.go`, `renderDiffDiagEvent`). The line names the resource
 * itself: the engine attaches these diagnostics to no resource.
 */
export function previewNote(resource: string, text: string): void {
  console.error(`note: ${resource}: ${text}`);
}
