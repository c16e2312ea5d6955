/**
 * What a user sees when the program refuses to run: the program executed by the SDK's own
 * entry point (`@pulumi/pulumi/cmd/run`, as the language host starts it), its error printed
 * by the SDK's own uncaught handler to the engine. The uncaught handler (cmd/run/run.js)
 * logs a `RunError`'s message alone and anything else as
 * "Running program ... failed with an unhandled exception:" plus `defaultErrorMessage`
 * (cmd/run/error.js: `util.inspect`, i.e. the `stack` property and own fields).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigError, ConfigProblem } from "../components/config/loadConfig";
import * as pulumi from "@pulumi/pulumi";
import { MIN_PULUMI_CLI } from "../components/config/cliRequirement";
import { PeerStackError } from "../components/peering/peerOutputs";
import { asPlainError, plainErrors, UserError } from "../components/config/userError";
import { ProjectSpec, validateStackConfig } from "./harness/cliConfig";
import { runUnderLanguageHost } from "./harness/languageHost";
import {
  acceptorPlaceholders,
  offlineStandIns,
  readStackConfig,
  ROOT,
} from "./harness/stackConfig";

/** The README's example of a refused configuration (the block under "## Configuration"). */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Configuration"));
  const block = /```\n([\s\S]*?)\n```/.exec(section);
  if (!block?.[1]) throw new Error("README has no example block under ## Configuration");
  return block[1];
}

/**
 * The edit of the shipped Pulumi.dc1.yaml that README's example shows refused: an even server
 * count, with the operator range still the shipped documentation placeholder.
 */
const README_EDIT = { "hashistack:serverCount": 4 };

describe("errors as the CLI prints them", () => {
  test("README's example is reachable: the CLI's own validation lets this edit through", () => {
    const stackFile = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.dc1.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    expect(() =>
      validateStackConfig("dc1", project as ProjectSpec, { ...stackFile.config, ...README_EDIT }),
    ).not.toThrow();
  });

  test("a bad config prints exactly README's lines, nothing else, and bails", async () => {
    const config = { ...readStackConfig(path.join(ROOT, "Pulumi.dc1.yaml")) };
    for (const [k, v] of Object.entries(README_EDIT)) config[k] = String(v);
    const run = await runUnderLanguageHost({ stack: "dc1", config });
    const errors = run.logs.filter((l) => l.severity === "error").map((l) => l.message);
    expect(errors).toEqual([readmeExample()]);
    expect(run.exitCode).toBe(32);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    // Nothing was registered but the stack itself.
    expect(run.monitor.records.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  }, 120_000);

  test("a dialer whose acceptor stack does not exist prints the program's message", async () => {
    // With an operator range of the user's own (the shipped placeholder is refused first).
    const { config } = offlineStandIns(readStackConfig(path.join(ROOT, "Pulumi.dc2.yaml")));
    const run = await runUnderLanguageHost({ stack: "dc2", config, mocks: { stackOutputs: {} } });
    const errors = run.logs.filter((l) => l.severity === "error").map((l) => l.message);
    expect(errors).toEqual([
      'stack organization/hashistack/dc1 does not exist: deploy dc1 first (pulumi up -s dc1), with "acceptor:dc2" in its hashistack:peers (the backend said: unknown stack "organization/hashistack/dc1")',
    ]);
    expect(run.exitCode).toBe(32);
  }, 120_000);

  test("an error the program does not make prints as plain text, once: the SDK refusing replaceWith on a CLI too old", async () => {
    // An engine that does not advertise ReplaceWith (CLIs before it existed): the SDK rejects
    // the ACTIVE wait's registration (runtime/resource.ts), an unhandled rejection that never
    // passes through the program's own promise.
    const { config } = offlineStandIns(readStackConfig(path.join(ROOT, "Pulumi.dc2.yaml")));
    const run = await runUnderLanguageHost({
      stack: "dc2",
      config,
      mocks: { stackOutputs: acceptorPlaceholders(config) },
      withoutFeatures: ["REPLACE_WITH"],
    });
    const errors = run.logs.filter((l) => l.severity === "error").map((l) => l.message);
    expect(errors).toHaveLength(1);
    const [head, hint, ...frames] = (errors[0] ?? "").split("\n");
    expect(head).toBe(
      "Error: The Pulumi CLI does not support the ReplaceWith option. Please update the Pulumi CLI.",
    );
    expect(hint).toBe(
      `This program needs Pulumi CLI ${MIN_PULUMI_CLI} or newer (README, Prerequisites).`,
    );
    // The stack as plain text (where it failed), not the handler's coloured object dump.
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) expect(f).toMatch(/^\s+at /);
    expect(errors[0]).not.toContain("\u001b[");
    expect(errors[0]).not.toContain("failed with an unhandled exception");
    expect(run.exitCode).toBe(32);
  }, 120_000);
});

describe("why: the SDK's printer for errors that are not RunErrors", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { defaultErrorMessage } = require("@pulumi/pulumi/cmd/run/error") as {
    defaultErrorMessage: (e: unknown) => string;
  };

  test("an error whose `stack` field holds the stack name prints as an object dump", () => {
    // The shape of the old ConfigError: `readonly stack` overwrote Error.stack.
    class ShadowingError extends Error {
      constructor(
        override readonly stack: string,
        readonly problems: ConfigProblem[],
      ) {
        super(`Invalid configuration for stack "${stack}"`);
      }
    }
    const shown = defaultErrorMessage(
      new ShadowingError("dc1", [{ key: "k", received: "v", allowed: "a" }]),
    );
    expect(shown).not.toContain("Invalid configuration");
    expect(shown.replace(/\u001b\[\d+m/g, "")).toMatch(/^\[dc1\] \{/);
  });

  test("user errors carry no frames: the handler's inspect of them stays short", () => {
    // The handler inspects every error, RunErrors too, for its tracing span; SDK frames such
    // as "(…/node_modules/@pulumi/resource.ts:1687:22)" make Node's coloured inspect loop
    // until the heap is exhausted (nodejs/node#64011; Node 20 and 22 alike, next test).
    expect(new PeerStackError("stack x does not exist").stack).toBe(
      "PeerStackError: stack x does not exist",
    );
    const shown = defaultErrorMessage(
      new ConfigError("dc1", [{ key: "k", received: '"v"', allowed: "a" }]),
    ).replace(/\u001b\[\d+m/g, "");
    expect(shown).toContain('ConfigError: Invalid configuration for stack "dc1"');
    expect(shown).not.toMatch(/\n\s+at /);
  });

  /** The SDK's printer on an error with an SDK frame, in a child with a 64 MB heap. */
  const printInChild = (mode: "raw" | "plain") =>
    spawnSync(
      process.execPath,
      [
        "--max-old-space-size=64",
        path.join(ROOT, "node_modules/ts-node/dist/bin.js"),
        "--transpile-only",
        "tests/harness/printError.ts",
        mode,
      ],
      { cwd: ROOT, encoding: "utf8", timeout: 60_000 },
    );

  test(`an SDK frame: the printer loops on this Node (${process.version}) unless converted first`, () => {
    const raw = printInChild("raw");
    if (raw.status === 0 && raw.stdout !== "") {
      // A Node with nodejs/node#64022: it prints, but as the coloured dump with the frame.
      expect((JSON.parse(raw.stdout) as { shown: string }).shown).toContain("resource.ts:1687:22");
    } else {
      // Out of memory (abort) or killed at the time limit: nothing printed.
      expect(raw.stdout).toBe("");
    }
    const plain = printInChild("plain");
    expect(plain.status).toBe(0);
    const out = JSON.parse(plain.stdout) as { shown: string; message: string };
    expect(out.shown.replace(/\u001b\[\d+m/g, "")).toBe("[Error: boom]");
    expect(out.message).toBe(
      "Error: boom\n    at Resource.register (/app/node_modules/@pulumi/resource.ts:1687:22)",
    );
  }, 150_000);
});

describe("plainErrors: what the program rethrows", () => {
  const frames =
    "    at f (/app/index.ts:1:1)\n    at g (/app/node_modules/@pulumi/resource.ts:9:9)";

  test("any other error becomes a RunError whose message is its plain-text stack", async () => {
    const err = new TypeError("x is undefined");
    err.stack = `TypeError: x is undefined\n${frames}`;
    const caught = await plainErrors(() => Promise.reject(err))().catch((e: unknown) => e);
    expect(caught).toBe(err); // the same object: the handler reports each object once
    expect(pulumi.RunError.isInstance(caught)).toBe(true);
    expect(err.message).toBe(`TypeError: x is undefined\n${frames}`);
    expect(err.stack).toBe("TypeError: x is undefined");
  });

  test("a thrown non-error becomes a UserError with its text", async () => {
    // JavaScript lets a program throw anything; this is the case being tested.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    const thrower = () => Promise.reject("just a string");
    const caught = await plainErrors(thrower)().catch((e: unknown) => e);
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as Error).message).toBe("just a string");
  });

  test("the program's own errors and a monitor that went away are left as they are", () => {
    const user = new UserError("Invalid configuration");
    expect(asPlainError(user)).toBe(user);
    expect(user.message).toBe("Invalid configuration");
    // UNAVAILABLE: the engine stopped the run and reports why itself.
    const gone = Object.assign(new Error("14 UNAVAILABLE: No connection established"), {
      code: 14,
    });
    const stack = gone.stack;
    asPlainError(gone);
    expect(pulumi.RunError.isInstance(gone)).toBe(false);
    expect(gone.stack).toBe(stack);
  });

  test("a ResourceError keeps its resource and prints its stack as its message", () => {
    const err = new pulumi.ResourceError("bad input", undefined);
    err.stack = `Error: bad input\n${frames}`;
    asPlainError(err);
    expect(err.hideStack).toBe(true);
    expect(err.message).toBe(`Error: bad input\n${frames}`);
    expect(pulumi.RunError.isInstance(err)).toBe(false);
  });

  test("the SDK's refusal of a CLI too old gets the version this program needs", () => {
    const err = new Error(
      "The Pulumi CLI does not support transforms. Please update the Pulumi CLI",
    );
    err.stack = `Error: ${err.message}\n${frames}`;
    asPlainError(err);
    expect(err.message.split("\n").slice(0, 2)).toEqual([
      "Error: The Pulumi CLI does not support transforms. Please update the Pulumi CLI",
      `This program needs Pulumi CLI ${MIN_PULUMI_CLI} or newer (README, Prerequisites).`,
    ]);
  });
});
