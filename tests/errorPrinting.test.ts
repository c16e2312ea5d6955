/**
 * What a user sees when the program refuses to run: the program executed by the SDK's own
 * entry point (`@pulumi/pulumi/cmd/run`, as the language host starts it), its error printed
 * by the SDK's own uncaught handler to the engine. The uncaught handler (cmd/run/run.js)
 * logs a `RunError`'s message alone and anything else as
 * "Running program ... failed with an unhandled exception:" plus `defaultErrorMessage`
 * (cmd/run/error.js: `util.inspect`, i.e. the `stack` property and own fields).
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigError, ConfigProblem } from "../components/config";
import { PeerStackError } from "../components/peerOutputs";
import { ProjectSpec, validateStackConfig } from "./harness/cliConfig";
import { runUnderLanguageHost } from "./harness/languageHost";
import { offlineStandIns, readStackConfig, ROOT } from "./harness/stackConfig";

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
    // as "(…/node_modules/@pulumi/resource.ts:1687:22)" make Node 22's coloured inspect loop
    // until "Invalid string length" (nodejs/node#64011), tens of seconds per failed run.
    expect(new PeerStackError("stack x does not exist").stack).toBe(
      "PeerStackError: stack x does not exist",
    );
    const shown = defaultErrorMessage(
      new ConfigError("dc1", [{ key: "k", received: '"v"', allowed: "a" }]),
    ).replace(/\u001b\[\d+m/g, "");
    expect(shown).toContain('ConfigError: Invalid configuration for stack "dc1"');
    expect(shown).not.toMatch(/\n\s+at /);
  });
});
