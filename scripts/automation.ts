/**
 * The orchestration's operations (scripts/orchestrate.ts) on the real Pulumi CLI through the
 * Automation API (`@pulumi/pulumi/automation`, LocalWorkspace on this directory):
 * - stacks are named `<org>/hashistack/<stack>`, the organization being the one a bare name
 *   lands in (backendOrganization), so every operation acts on the stack the program reads;
 *   the CLI still reads `Pulumi.<stack>.yaml` (pkg/cmd/pulumi/stack/io.go: the file is named
 *   after `Ref().Name()`, the stack name alone);
 * - `createOrSelectStack` creates a missing stack (`pulumi stack select --create`);
 * - every `up` runs the policy pack as CI does (`--policy-pack policy`, the `policyPacks`
 *   of .github/workflows/*.yml);
 * - a deferred run passes `configFile` (the CLI's `--config-file`, honoured per operation:
 *   pkg/cmd/pulumi/stack/io.go LoadProjectStack) pointing at a copy of the stack file with
 *   `hashistack:deferredPeers` added, so the committed `Pulumi.<stack>.yaml` never changes;
 * - the program runs transpile-only (WORKSPACE_ENV); scripts/deploy.ts type-checks it once.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { isDeepStrictEqual, promisify } from "util";
import * as yaml from "js-yaml";
import { LocalWorkspace, LocalWorkspaceOptions, Stack } from "@pulumi/pulumi/automation";
import { StackOps } from "./orchestrate";

/** Where deferred-run config copies live while an update runs (git-ignored). */
export const DEFERRED_DIR = path.join(".hashistack", "deploy");

/** The key the deferred copy adds (components/config/deferral.ts). */
const DEFERRED_KEY = "hashistack:deferredPeers";

/**
 * Environment of every CLI command of the workspace. The nodejs runtime type-checks the
 * program on every update unless PULUMI_NODEJS_TRANSPILE_ONLY is "true" (@pulumi/pulumi
 * cmd/run/run.js; the language host passes its environment on: pulumi-language-nodejs
 * main.go os.Environ()). A deploy runs up to two updates per stack, so it type-checks once
 * up front instead (scripts/typeCheck.ts).
 */
export const WORKSPACE_ENV: Record<string, string> = { PULUMI_NODEJS_TRANSPILE_ONLY: "true" };

/** The workspace options of every Automation API call on `root`. */
export function workspaceOptions(root: string): LocalWorkspaceOptions {
  return { workDir: root, envVars: { ...WORKSPACE_ENV } };
}

/**
 * The stack file's text with `hashistack:deferredPeers` added as one more line of its
 * `config` block, everything else byte for byte (secure values, `encryptionsalt`, comments,
 * and scalars such as an unquoted `1.20` that a YAML round trip would rewrite). The result
 * is checked to parse as the original plus the key.
 */
export function deferredConfig(stackFileText: string, deferredPeers: string[]): string {
  const doc = (yaml.load(stackFileText) ?? {}) as Record<string, unknown>;
  const config = doc.config as Record<string, unknown> | null | undefined;
  if (config && DEFERRED_KEY in config)
    throw new Error(
      `the stack file sets ${DEFERRED_KEY}: only npm run deploy sets it, for one run; remove it from the stack file`,
    );
  const entry = `${DEFERRED_KEY}: ${JSON.stringify(deferredPeers)}`;
  const lines = stackFileText.split("\n");
  const at = lines.findIndex((l) => /^config:\s*(#.*)?$/.test(l));
  let text: string;
  if (at < 0 && config === undefined) {
    const sep = stackFileText === "" || stackFileText.endsWith("\n") ? "" : "\n";
    text = `${stackFileText}${sep}config:\n  ${entry}\n`;
  } else {
    // Indented like the block's first entry (a YAML mapping keeps one indentation).
    const first = lines.slice(at + 1).find((l) => l.trim() !== "" && !/^\s*#/.test(l));
    const indent = (first && /^ +/.exec(first)?.[0]) || "  ";
    text = [...lines.slice(0, at + 1), `${indent}${entry}`, ...lines.slice(at + 1)].join("\n");
  }
  const expected = { ...doc, config: { ...(config ?? {}), [DEFERRED_KEY]: deferredPeers } };
  let parsed: unknown;
  try {
    parsed = yaml.load(text);
  } catch {
    parsed = undefined;
  }
  if ((at < 0 && config !== undefined) || !isDeepStrictEqual(parsed, expected))
    throw new Error(
      `could not add ${DEFERRED_KEY} to the stack file: its config must be a block mapping ("config:" on a line of its own)`,
    );
  return text;
}

/** Writes the deferred copy for one run; returns its path. */
export function writeDeferredConfig(root: string, stack: string, deferredPeers: string[]): string {
  const source = path.join(root, `Pulumi.${stack}.yaml`);
  const file = path.join(root, DEFERRED_DIR, `Pulumi.${stack}.deferred.yaml`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, deferredConfig(fs.readFileSync(source, "utf8"), deferredPeers), {
    mode: 0o600,
  });
  return file;
}

/** What `pulumi org get-default` prints when none is set (pkg/cmd/pulumi/org/org.go). */
const NO_DEFAULT_ORG = "No Default Org Specified";

/**
 * The organization a stack named without one lands in, as the backend decides it:
 * - the file backend (any URL but http(s): file, s3, gs, azblob; pkg/backend/diy) always
 *   uses `organization` (diy/store.go);
 * - Pulumi Cloud (pkg/backend/httpstate ParseStackReference): the default organization
 *   (`pulumi org get-default`), else the logged-in user.
 * The program's `pulumi.getOrganization()` answers the same for a stack deployed so.
 */
export function backendOrganization(
  who: { user: string; url?: string },
  defaultOrg: () => Promise<string>,
): Promise<string> {
  if (!who.url)
    return Promise.reject(
      new Error(
        "the Pulumi CLI did not say which backend it is logged in to (pulumi whoami --json reports it from CLI 3.58 on): upgrade the CLI",
      ),
    );
  if (!/^https?:\/\//.test(who.url)) return Promise.resolve("organization");
  return defaultOrg().then((out) => {
    const org = out.trim();
    return org !== "" && org !== NO_DEFAULT_ORG ? org : who.user;
  });
}

/** Splits streamed output into lines, each prefixed with the step it belongs to. */
function prefixed(label: string, write: (line: string) => void) {
  let pending = "";
  return {
    push: (chunk: string) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const l of lines) write(`[${label}] ${l}`);
    },
    flush: () => {
      if (pending) write(`[${label}] ${pending}`);
      pending = "";
    },
  };
}

/**
 * The lines of a failed CLI run worth repeating in the summary: the engine's `error:` lines
 * (deduplicated, at most three), else the last line it wrote to stderr.
 */
export function summarizeCliError(message: string): string {
  const lines = message.split("\n").map((l) => l.trim());
  const errors = [...new Set(lines.filter((l) => /^error:/.test(l)))].slice(0, 3);
  if (errors.length > 0) return errors.join(" / ");
  const stderr = message.split(" stderr: ")[1]?.split(" err?: ")[0] ?? message;
  return (
    stderr
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? message.trim()
  );
}

/** The organization a bare stack name lands in, for the CLI logged in on this machine. */
export async function runOrganization(root: string): Promise<string> {
  const ws = await LocalWorkspace.create(workspaceOptions(root));
  return backendOrganization(await ws.whoAmI(), async () => {
    const { stdout } = await promisify(execFile)("pulumi", ["org", "get-default"], {
      cwd: root,
      env: { ...process.env, ...WORKSPACE_ENV },
    });
    return stdout;
  });
}

/** StackOps on the Pulumi CLI in `root`, streaming each step's output line by line. */
export function automationOps(root: string, write: (line: string) => void): StackOps {
  const stacks = new Map<string, Stack>();
  const policyPack = path.join(root, "policy");
  const opts = workspaceOptions(root);
  const stackOf = async (name: string) =>
    stacks.get(name) ??
    (await LocalWorkspace.selectStack({ stackName: name, workDir: root }, opts));
  return {
    organization: () => runOrganization(root),
    async ensureStack(name) {
      const ws = await LocalWorkspace.create(opts);
      // `pulumi stack ls` elides the organization it deploys into (and the project).
      const [org, , short] = name.split("/");
      const existed = (await ws.listStacks()).some((s) =>
        [name, `${org}/${short}`, short].includes(s.name),
      );
      stacks.set(
        name,
        await LocalWorkspace.createOrSelectStack({ stackName: name, workDir: root }, opts),
      );
      return existed ? "existing" : "created";
    },
    async outputs(name) {
      const out = await (await stackOf(name)).outputs();
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.value as unknown]));
    },
    async up(name, { deferredPeers, label }) {
      const stack = await stackOf(name);
      const short = name.split("/").pop() as string;
      const configFile =
        deferredPeers.length > 0 ? writeDeferredConfig(root, short, deferredPeers) : undefined;
      const out = prefixed(label, write);
      const err = prefixed(label, write);
      try {
        await stack.up({
          onOutput: out.push,
          onError: err.push,
          policyPacks: [policyPack],
          color: "never",
          ...(configFile ? { configFile } : {}),
        });
      } catch (e) {
        throw new Error(summarizeCliError(e instanceof Error ? e.message : String(e)));
      } finally {
        out.flush();
        err.flush();
        if (configFile) fs.rmSync(configFile, { force: true });
      }
    },
  };
}
