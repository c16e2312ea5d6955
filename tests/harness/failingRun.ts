/**
 * Runs a stack under the mock runtime with one resource type's registration refused, in a
 * process of its own: the SDK rejects every dependent's registration, and jest would count
 * those follow-on rejections against the calling test. Prints, as JSON, the program's
 * error, every resource registered and how often the zones were looked up.
 * Usage: ts-node tests/harness/failingRun.ts <stack> <type token to refuse>
 */
import { runProgram } from "./program";

async function main(): Promise<void> {
  const [stack = "dc1", refused = ""] = process.argv.slice(2);
  let zoneLookups = 0;
  // The follow-on rejections are the expected outcome; the harness records the first.
  process.on("unhandledRejection", () => undefined);
  const run = await runProgram({
    stack,
    mocks: {
      state: {
        [refused]: () => {
          throw new Error(`registration of ${refused} refused`);
        },
      },
      invokes: {
        "gcp:compute/getZones:getZones": (inputs) => {
          zoneLookups++;
          const region = String(inputs.region);
          return { names: ["a", "b", "c"].map((z) => `${region}-${z}`) };
        },
      },
    },
  });
  process.stdout.write(
    JSON.stringify({
      error: run.error?.message ?? null,
      registered: run.graph.customs().map((r) => ({ type: r.type, name: r.name })),
      zoneLookups,
    }),
  );
  process.exit(0);
}

void main();
