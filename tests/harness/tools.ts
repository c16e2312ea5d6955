/**
 * External tools the tests spawn. On a developer's machine a missing tool does not fail the
 * suite: each test that needs it is listed as not run, with the tool and how to install it.
 * In CI (`CI=true`) every tool is mandatory: the same tests fail with the same message.
 */
import * as fs from "fs";
import * as path from "path";

/** A tool and how to get it. */
export interface Tool {
  name: string;
  /** The install command on Debian/Ubuntu (what CI uses), and on macOS where it differs. */
  install: string;
}

/** Every external tool a test spawns. */
export const TOOLS = {
  bash: { name: "bash", install: "apt-get install bash (macOS: brew install bash)" },
  shellcheck: {
    name: "shellcheck",
    install: "apt-get install shellcheck (macOS: brew install shellcheck)",
  },
  curl: { name: "curl", install: "apt-get install curl" },
  jq: { name: "jq", install: "apt-get install jq (macOS: brew install jq)" },
  openssl: { name: "openssl", install: "apt-get install openssl" },
} as const satisfies Record<string, Tool>;

/** The executable's path on PATH, if any. */
export function findTool(name: string, searchPath = process.env.PATH ?? ""): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether this run is CI, where missing tools fail instead of skipping. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === "true" || env.CI === "1";
}

/** What is missing and how to install it, or undefined when every tool is there. */
export function missingTools(tools: readonly Tool[], searchPath?: string): string | undefined {
  const missing = tools.filter((t) => !findTool(t.name, searchPath));
  if (missing.length === 0) return undefined;
  return missing.map((t) => `${t.name} is not installed (install: ${t.install})`).join("; ");
}

/** The message a test shows for missing tools, local or CI flavour. */
export function missingMessage(missing: string, ci = inCi()): string {
  return ci
    ? `${missing}. CI requires it.`
    : `${missing}. Not run on this machine; CI runs it (CI=true makes it mandatory here too).`;
}

/**
 * `test`, when the tools are there. Otherwise: locally a `todo` whose name says what is
 * missing and how to install it; in CI a test that fails with that message.
 */
export function testWith(
  tools: readonly Tool[],
  name: string,
  fn: () => unknown,
  timeout?: number,
): void {
  const missing = missingTools(tools);
  if (!missing) test(name, fn as jest.ProvidesCallback, timeout);
  else if (inCi())
    test(name, () => {
      throw new Error(missingMessage(missing, true));
    });
  else test.todo(`${name}: ${missingMessage(missing, false)}`);
}

/**
 * `describe` for a suite whose every test needs the tools (same rules as {@link testWith}),
 * and optionally a platform (e.g. GNU coreutils on Linux).
 */
export function describeWith(
  tools: readonly Tool[],
  name: string,
  fn: () => void,
  platforms?: readonly NodeJS.Platform[],
): void {
  const wrongPlatform =
    platforms && !platforms.includes(process.platform)
      ? `runs on ${platforms.join(" or ")} only (this machine: ${process.platform})`
      : undefined;
  const missing = wrongPlatform ?? missingTools(tools);
  if (!missing) describe(name, fn);
  else if (inCi())
    describe(name, () => {
      test("has the tools it needs", () => {
        throw new Error(missingMessage(missing, true));
      });
    });
  else test.todo(`${name}: ${missingMessage(missing, false)}`);
}
