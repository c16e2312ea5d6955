/**
 * Errors meant for the person running `pulumi up`: bad configuration, an acceptor stack not
 * deployed yet. A `RunError`, so the SDK's uncaught handler (`@pulumi/pulumi/cmd/run`) logs
 * the message alone, as the CLI's `error:` line, instead of `util.inspect` of the error.
 *
 * The stack holds the header line only. The handler still formats every error with
 * `util.inspect(err, { colors: true })` for its tracing span, and with source-map-support
 * rewriting SDK frames to `node_modules/@pulumi/<file>.ts`, Node 22's colouring of such
 * frames loops until the string overflows (nodejs/node#64011): tens of seconds and GBs of
 * memory before the program exits. The frames of a user error say nothing to the user.
 */
import * as pulumi from "@pulumi/pulumi";

/** A message for the user, printed without a stack trace. */
export class UserError extends pulumi.RunError {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
    this.stack = `${this.name}: ${message}`;
  }
}
