/**
 * What the person running `pulumi up` sees when the program stops.
 *
 * The SDK's uncaught handler (`@pulumi/pulumi/cmd/run`, run.js) logs a `RunError`'s message
 * alone, as the CLI's `error:` line; anything else it logs as "Running program ... failed
 * with an unhandled exception:" plus `defaultErrorMessage` (cmd/run/error.js), which is
 * `util.inspect(err, { colors: true })`: ANSI colour codes in the CLI's output. And it
 * inspects every error, RunErrors too, for its tracing span. With source-map-support
 * rewriting SDK frames to `node_modules/@pulumi/<file>.ts`, Node's colouring of such a frame
 * (`markNodeModules`) loops until the string overflows (nodejs/node#64011, reproduced here on
 * Node 20.20.2 and 22.23.3; fixed by nodejs/node#64022): tens of seconds and GBs of memory
 * before the program exits. So an error that reaches the handler keeps its header line as
 * its `stack`, nothing the inspect could loop on.
 *
 * - `UserError`: the program's own messages (bad configuration, an acceptor not deployed):
 *   a RunError without frames, which say nothing to the user.
 * - `plainErrors`: everything else (a bug, the SDK refusing an option on an old CLI) becomes
 *   a RunError in place whose message is the error's plain-text stack, so the CLI prints
 *   it readably and once. In place, because the SDK rejects several promises with the same
 *   error object (a failed registration reaches the handler as an unhandled rejection, not
 *   through the program's promise) and the handler reports each object once.
 */
import * as pulumi from "@pulumi/pulumi";
import { MIN_PULUMI_CLI } from "./cliRequirement";

/** A message for the user, printed without a stack trace. */
export class UserError extends pulumi.RunError {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
    this.stack = `${this.name}: ${message}`;
  }
}

/** The SDK's marker for RunErrors across SDK copies (errors.ts, RunError.isInstance). */
const RUN_ERROR_MARK = "__pulumiRunError";

/** RunError.isInstance without its type guard (a RunError is structurally any Error). */
const isRunError = (err: unknown): boolean => pulumi.RunError.isInstance(err);

/** gRPC codes of a monitor that went away (errors.ts isGrpcError): the engine reports why. */
const MONITOR_GONE = [1 /* CANCELLED */, 14 /* UNAVAILABLE */];

/** What the SDK says when the CLI's engine lacks a feature the program uses (resource.ts). */
const OLD_CLI = /does not support .*Please update the Pulumi CLI/;

/** The error's plain-text stack, with a hint after its first line when the CLI is too old. */
export function plainStack(err: Error): string {
  const stack = typeof err.stack === "string" && err.stack.length > 0 ? err.stack : undefined;
  const text =
    stack && stack.includes(err.message) ? stack : `${err.name}: ${err.message}\n${stack ?? ""}`;
  const [head = "", ...frames] = text.trimEnd().split("\n");
  const hint = OLD_CLI.test(err.message)
    ? [`This program needs Pulumi CLI ${MIN_PULUMI_CLI} or newer (README, Prerequisites).`]
    : [];
  return [head, ...hint, ...frames].join("\n");
}

/**
 * Makes `err` print as its plain-text stack: a RunError (or a ResourceError with its stack
 * hidden) whose message is that text and whose `stack` is its first line. Left as they are:
 * RunErrors (ours already print plainly), errors of a monitor that went away (the engine
 * stopped the run and reports why; the SDK drops them), TypeScript compile errors (the
 * handler prints their location) and thrown non-errors (nothing to mark). Returns `err`.
 */
export function asPlainError(err: unknown): unknown {
  if (!(err instanceof Error) || isRunError(err)) return err;
  if (err.name === "TSError" || err.name === SyntaxError.name) return err;
  if (MONITOR_GONE.includes((err as { code?: unknown }).code as number)) return err;
  const text = plainStack(err);
  try {
    if (pulumi.ResourceError.isInstance(err)) {
      // Keeps the resource it names; the handler logs a hidden-stack ResourceError's message.
      if (err.hideStack) return err;
      err.hideStack = true;
    } else {
      Object.defineProperty(err, RUN_ERROR_MARK, { value: true });
    }
    err.message = text;
    err.stack = text.split("\n")[0] ?? err.name;
  } catch {
    // A frozen error stays as it is; the handler prints it its own way.
  }
  return err;
}

const INSTALLED = Symbol.for("hashistack.plainErrors");

/**
 * The program, with every error it ends with printed plainly (see the module comment): its
 * own rejection goes through `asPlainError`, and so does anything reaching the process as an
 * unhandled rejection or uncaught exception, before the SDK's handler (listeners run in order,
 * and the SDK registered its own before loading the program).
 */
export function plainErrors<T>(program: () => Promise<T>): () => Promise<T> {
  return async () => {
    const proc = process as unknown as Record<symbol, boolean>;
    if (!proc[INSTALLED]) {
      proc[INSTALLED] = true;
      process.prependListener("unhandledRejection", (reason) => void asPlainError(reason));
      process.prependListener("uncaughtException", (err) => void asPlainError(err));
    }
    try {
      return await program();
    } catch (e) {
      const plain = asPlainError(e);
      throw plain instanceof Error ? plain : new UserError(String(plain));
    }
  };
}
