/**
 * The boot part of the deploy estimate: what a node group's rendered startup script does
 * (read from the script itself, so a change to the install function shows in the estimate)
 * and when the cluster it forms is ready for the readiness gate. Pure; figures from
 * scripts/durations.ts.
 */
import { BOOT, Figure, PACKAGES } from "./durations";

/** What the package-install function (`main_install`) does on a fresh Debian 12 GCE image. */
export interface InstallPlan {
  aptUpdates: number;
  aptInstalls: number;
  /** Some transaction installs Recommends. */
  recommends: boolean;
  /** Package names (versions stripped) the transactions name. */
  packages: string[];
}

/** The body of a top-level bash function (`name() {` ... `}` in column 0). */
export function functionBody(script: string, name: string): string {
  const start = script.search(new RegExp(`^${name}\\(\\) \\{$`, "m"));
  if (start < 0) throw new Error(`startup script defines no ${name}()`);
  const end = script.indexOf("\n}", start);
  return script.slice(start, end < 0 ? undefined : end);
}

/** Reads the install plan from a rendered startup script (header PACKAGES + main_install). */
export function installPlan(script: string): InstallPlan {
  const header = /^readonly PACKAGES='([^']*)'$/m.exec(script);
  const lines = functionBody(script, "main_install")
    .split("\n")
    .map((l) => l.replace(/#.*$/, ""));
  const installs = lines.filter((l) => /\bapt-get install\b/.test(l));
  const literal = installs.flatMap((l) =>
    (l.split(/\bapt-get install\b/)[1] ?? "")
      .trim()
      .split(/\s+/)
      .filter((w) => /^[a-z0-9][a-z0-9.+-]*$/.test(w)),
  );
  const added = lines.flatMap((l) =>
    [...l.matchAll(/\bwant\+=\(([^)]*)\)/g)].flatMap((m) => (m[1] ?? "").trim().split(/\s+/)),
  );
  const names = [...(header?.[1] ?? "").split(/\s+/), ...literal, ...added]
    .filter(Boolean)
    .map((p) => p.split("=")[0] as string);
  return {
    aptUpdates: lines.filter((l) => /\bapt-get update\b/.test(l)).length,
    aptInstalls: installs.length,
    recommends: installs.some((l) => !l.includes("--no-install-recommends")),
    packages: [...new Set(names)].sort(),
  };
}

/** Seconds the install function takes, with the figures used. */
export function installSeconds(plan: InstallPlan): number {
  let s = plan.aptUpdates * (BOOT.aptUpdate as Figure).seconds;
  s += plan.aptInstalls * (BOOT.aptTransaction as Figure).seconds;
  for (const p of plan.packages) {
    const f = PACKAGES[p];
    if (!f) throw new Error(`no install figure for package ${p}: add it to scripts/durations.ts`);
    s += f.seconds;
  }
  if (plan.recommends && plan.packages.includes("docker.io"))
    s += (BOOT.recommends as Figure).seconds;
  return s;
}

/** One node group's boot inputs, from the recorded graph and its schedule. */
export interface GroupBoot {
  role: "server" | "client";
  script: string;
  /** When the MIG create finished (instances start booting). */
  created: number;
  /** When its secret grants were made: the first secret read waits for their propagation. */
  secretsGranted: number;
  /**
   * When its instance-listing grant (roles/compute.viewer) was made: cloud auto-join lists
   * instances, so the agents join once that grant has propagated.
   */
  discoveryGranted: number;
}

/** A step of the boot timeline, for the printed critical path. */
export interface BootStep {
  role: string;
  step: string;
  at: number;
}

const f = (k: string) => (BOOT[k] as Figure).seconds;
const secretsRead = (script: string) =>
  [...script.matchAll(/^readonly SECRET_[A-Z_]+='([^']+)'$/gm)].length;

/**
 * How long the script keeps trying to read a secret: lib.sh's SECRET_READ_ATTEMPTS, every
 * SECRET_READ_INTERVAL seconds. IAM grants take "typically 2 minutes, potentially 7 minutes
 * or longer" to apply (cloud.google.com/iam/docs/access-change-propagation), and a boot that
 * gives up earlier fails on a grant that was about to work.
 */
export function secretReadBudget(script: string): { attempts: number; interval: number } {
  const value = (name: string) => {
    const m = new RegExp(`^readonly ${name}=(\\d+)$`, "m").exec(script);
    if (!m) throw new Error(`startup script sets no ${name}: the secret reads' retry budget`);
    return Number(m[1]);
  };
  return { attempts: value("SECRET_READ_ATTEMPTS"), interval: value("SECRET_READ_INTERVAL") };
}

/** Seconds the script waits before it gives up on a secret (sleeps between attempts). */
export const budgetSeconds = (b: { attempts: number; interval: number }) =>
  (b.attempts - 1) * b.interval;

/**
 * When the first secret read succeeds: attempts from `from` every `interval` seconds; the
 * first one at or after `readable` works. One past the budget fails the boot.
 */
export function secretReadAt(script: string, from: number, readable: number, role: string): number {
  if (readable <= from) return from;
  const b = secretReadBudget(script);
  const wait = Math.ceil((readable - from) / b.interval) * b.interval;
  if (wait > budgetSeconds(b))
    throw new Error(
      `the ${role} boot would give up reading its secrets after ${budgetSeconds(b)} s, before the IAM grant applies (${Math.round(readable - from)} s later): raise the retry budget of the secret reads in components/cluster/startup/lib.sh`,
    );
  return from + wait;
}

/** An agent trying from `at` succeeds once `possible`: at once, or on a later retry. */
function joined(at: number, possible: number): number {
  return at >= possible ? at : at + Math.ceil((possible - at) / f("joinRetry")) * f("joinRetry");
}

/**
 * When Consul has a leader and the ACLs are bootstrapped, Nomad has a leader and every client
 * is ready (the readiness gate's checks), given each group's boot inputs and when the NAT
 * (egress for the package downloads) exists.
 */
export function clusterReady(
  groups: GroupBoot[],
  natReady: number,
): { at: number; steps: BootStep[]; last: "server" | "client" } {
  const steps: BootStep[] = [];
  const up: Record<string, number> = {};
  const discoverable: Record<string, number> = {};
  for (const g of groups) {
    const add = (step: string, at: number) => {
      steps.push({ role: g.role, step, at });
      return at;
    };
    const script = add("script starts", g.created + f("vmStart"));
    const installed = add(
      "packages installed",
      Math.max(script, natReady) + installSeconds(installPlan(g.script)),
    );
    const prepared = add(
      g.role === "server" ? "data disk mounted" : "host prepared",
      installed + f(g.role === "server" ? "dataDisk" : "clientHost"),
    );
    const readable = g.secretsGranted + f("iamPropagation");
    const fetched = add(
      readable > prepared ? "secrets read (after IAM propagation)" : "secrets read",
      secretReadAt(g.script, prepared, readable, g.role) + secretsRead(g.script) * f("secretRead"),
    );
    up[g.role] = add("agents started", fetched + f("agentStart"));
    discoverable[g.role] = g.discoveryGranted + f("iamPropagation");
  }
  const serversUp = up.server;
  if (serversUp === undefined) throw new Error("no server node group in the graph");
  // Servers join each other once they can list instances (a retry if the grant lags).
  const serversJoined = joined(serversUp, discoverable.server ?? 0);
  if (serversJoined > serversUp)
    steps.push({ role: "server", step: "servers joined (after a retry)", at: serversJoined });
  const leader = serversJoined + f("raftElection");
  steps.push({ role: "server", step: "Consul and Nomad leaders", at: leader });
  const acls = leader + f("aclBootstrap");
  steps.push({ role: "server", step: "ACLs bootstrapped", at: acls });
  let ready = acls;
  let last: "server" | "client" = "server";
  if (up.client !== undefined) {
    // A client joins once the servers listen and it can list them.
    const clientJoined = joined(up.client, Math.max(serversUp, discoverable.client ?? 0));
    const at = Math.max(clientJoined, leader) + f("nodeRegister");
    steps.push({
      role: "client",
      step:
        clientJoined > up.client
          ? "Nomad clients ready (after a join retry)"
          : "Nomad clients ready",
      at,
    });
    if (at > ready) [ready, last] = [at, "client"];
  }
  return { at: ready, steps: steps.sort((a, b) => a.at - b.at), last };
}
