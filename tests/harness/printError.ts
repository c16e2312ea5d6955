/**
 * Prints, as JSON, what the SDK's error printer (`@pulumi/pulumi/cmd/run/error`
 * defaultErrorMessage, which the uncaught handler calls for every error) makes of an error
 * whose stack holds an SDK frame as source-map-support rewrites it
 * (`node_modules/@pulumi/resource.ts`), either as thrown ("raw") or after the program's
 * `asPlainError` ("plain"). Run in a child process with a small heap: on an affected Node the
 * raw error never prints (nodejs/node#64011).
 * Usage: ts-node tests/harness/printError.ts raw|plain
 */
import { asPlainError } from "../../components/config/userError";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultErrorMessage } = require("@pulumi/pulumi/cmd/run/error") as {
  defaultErrorMessage: (e: unknown) => string;
};

/** The frame shape that makes Node's coloured inspect loop. */
export const SDK_FRAME = "    at Resource.register (/app/node_modules/@pulumi/resource.ts:1687:22)";

const err = new Error("boom");
err.stack = `Error: boom\n${SDK_FRAME}`;
const shown = defaultErrorMessage(process.argv[2] === "plain" ? asPlainError(err) : err);
process.stdout.write(JSON.stringify({ shown, message: err.message }));
