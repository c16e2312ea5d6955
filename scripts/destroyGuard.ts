/**
 * `npm run destroy` refuses stacks that still hold protected resources, before destroying any.
 *
 * The Automation API's `stack.destroy()` runs `pulumi destroy --yes --skip-preview`
 * (@pulumi/pulumi automation/stack.ts). Without the preview nothing stops early: the engine
 * deletes in reverse dependency order and refuses a protected resource only when its own
 * delete step runs (pkg/resource/deploy/step.go, DeleteStep.Apply: deleteProtectedError; the
 * step executor then carries on past it, step_executor.go). With the default
 * `hashistack:protectCluster` (the CA key and the server group protected), that is after the
 * load balancers and the client group are gone and the in-cluster objects have left the state
 * (their deletes skipped through deletedWith): a half-destroyed stack whose state no longer
 * lists what the servers still hold. So the state of every stack is read first
 * (`pulumi stack export`, resources with `protect: true`, apitype ResourceV3) and the run
 * stops naming each protected stack and the two steps that unprotect it.
 */

/** The backend operation the guard needs (Automation API: `Stack.exportStack`). */
export interface StateReader {
  /** The stack's state as `pulumi stack export` prints it. */
  exportStack(stack: string): Promise<{ deployment?: unknown }>;
}

/** A stack with protected resources. */
export interface ProtectedStack {
  stack: string;
  /** URNs of its protected resources, in state order. */
  urns: string[];
}

/**
 * URNs of the resources a deployment marks `protect: true`, those pending deletion after a
 * replacement included (a destroy deletes them too).
 */
export function protectedUrns(deployment: unknown): string[] {
  const resources = (deployment as { resources?: unknown } | undefined)?.resources;
  if (!Array.isArray(resources)) return [];
  return resources
    .filter((r): r is { urn: string; protect: true } => {
      const res = r as { urn?: unknown; protect?: unknown };
      return typeof res.urn === "string" && res.protect === true;
    })
    .map((r) => r.urn);
}

/** A URN's resource name (its last `::` part). */
const nameOf = (urn: string) => urn.split("::").pop() ?? urn;

/** The refusal, naming each protected stack, its protected resources and how to unprotect. */
export function protectedRefusal(found: ProtectedStack[]): string {
  return [
    "npm run destroy stopped before destroying anything: " +
      found
        .map((f) => `stack ${f.stack} has protected resources (${f.urns.map(nameOf).join(", ")})`)
        .join("; ") +
      ".",
    "Its destroy skips the preview, so the engine would delete everything else first and fail on these last, leaving a half-destroyed stack.",
    "To destroy deliberately, unprotect first (the update changes only the protect flags):",
    ...found.map(
      (f) =>
        `  pulumi config set -s ${f.stack} hashistack:protectCluster false && pulumi up -s ${f.stack}`,
    ),
    "then run npm run destroy again. A resource protected by hand stays protected: pulumi state unprotect -s <stack> <urn>.",
  ].join("\n");
}

/**
 * Reads every stack's state; the refusal when any holds protected resources, else undefined.
 * A stack whose state cannot be read stops the run too (nothing destroyed yet).
 */
export async function destroyRefusal(
  stacks: string[],
  reader: StateReader,
): Promise<string | undefined> {
  const found: ProtectedStack[] = [];
  for (const stack of stacks) {
    let state: { deployment?: unknown };
    try {
      state = await reader.exportStack(stack);
    } catch (e) {
      const first = (e instanceof Error ? e.message : String(e)).trim().split("\n")[0];
      return `npm run destroy stopped before destroying anything: the state of stack ${stack} could not be read (${first})`;
    }
    const urns = protectedUrns(state.deployment);
    if (urns.length > 0) found.push({ stack, urns });
  }
  return found.length > 0 ? protectedRefusal(found) : undefined;
}
