/**
 * The orchestration's operations (scripts/orchestrate.ts) on the real Pulumi CLI through the
 * Automation API (`@pulumi/pulumi/automation`, LocalWorkspace on this directory):
 * - `createOrSelectStack` creates a missing stack (`pulumi stack select --create`);
 * - every `up` runs the policy pack as CI does (`--policy-pack policy`, the `policyPacks`
 *   of .github/workflows/*.yml);
 * - a deferred run passes `configFile` (the CLI's `--config-file`, honoured per operation:
 *   pkg/cmd/pulumi/stack/io.go LoadProjectStack) pointing at a copy of the stack file with
 *   `hashistack:deferredPeers` added, so the committed `Pulumi.<stack>.yaml` never changes.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { StackOps } from "./orchestrate";

/** Where deferred-run config copies live while an update runs (git-ignored). */
export const DEFERRED_DIR = path.join(".hashistack", "deploy");

/**
 * The stack file's text with `hashistack:deferredPeers` set: every other key (secure values,
 * `encryptionsalt`, `secretsprovider`, environments) kept as is.
 */
export function deferredConfig(stackFileText: string, deferredPeers: string[]): string {
  const doc = (yaml.load(stackFileText) ?? {}) as Record<string, unknown>;
  const config = (doc.config ?? {}) as Record<string, unknown>;
  return yaml.dump(
    { ...doc, config: { ...config, "hashistack:deferredPeers": deferredPeers } },
    { lineWidth: -1, noRefs: true },
  );
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

/** StackOps on the Pulumi CLI in `root`, streaming each step's output line by line. */
export function automationOps(root: string, write: (line: string) => void): StackOps {
  const stacks = new Map<string, Stack>();
  const policyPack = path.join(root, "policy");
  const stackOf = async (name: string) =>
    stacks.get(name) ?? (await LocalWorkspace.selectStack({ stackName: name, workDir: root }));
  return {
    async ensureStack(name) {
      const ws = await LocalWorkspace.create({ workDir: root });
      // Pulumi Cloud may list `org/name`; the file backend lists `name`.
      const existed = (await ws.listStacks()).some(
        (s) => s.name === name || s.name.endsWith(`/${name}`),
      );
      stacks.set(
        name,
        await LocalWorkspace.createOrSelectStack({ stackName: name, workDir: root }),
      );
      return existed ? "existing" : "created";
    },
    async outputs(name) {
      const out = await (await stackOf(name)).outputs();
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.value as unknown]));
    },
    async up(name, { deferredPeers, label }) {
      const stack = await stackOf(name);
      const configFile =
        deferredPeers.length > 0 ? writeDeferredConfig(root, name, deferredPeers) : undefined;
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
