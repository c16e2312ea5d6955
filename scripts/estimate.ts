/**
 * Estimated deploy duration: the recorded dependency graph scheduled with the durations of
 * scripts/durations.ts (as many operations at once as the graph allows, as the engine does
 * up to its --parallel limit), IAM members serialized per policy as the Google provider
 * does, and the readiness gate finishing when the VMs' boot (scripts/bootEstimate.ts) is
 * done. Then the whole of `npm run deploy`: stacks one after another versus platforms at
 * once and peerings after their acceptors. Pure over recorded graphs.
 */
import { Graph } from "../tests/harness/graph";
import { RecordedResource, UNKNOWN } from "../tests/harness/recorder";
import { BootStep, clusterReady, GroupBoot } from "./bootEstimate";
import { ENGINE, RESOURCE_TYPES, TypeFigure } from "./durations";

/** When one resource starts and finishes, and what it waited for last. */
export interface Timed {
  r: RecordedResource;
  start: number;
  finish: number;
  /** URN of the dependency (or "boot") that decided its start or finish. */
  after?: string;
}

/** One stack's schedule. */
export interface StackEstimate {
  timed: Map<string, Timed>;
  /** Seconds from the first resource to the last. */
  resources: number;
  /** Seconds from the first resource until the readiness gate passed (if any). */
  gateReady?: number;
  boot: BootStep[];
  /** The chain that decided the total, first first. */
  criticalPath: Timed[];
}

const NODE_GROUP = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager";
const TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate";
const NAT = "gcp:compute/routerNat:RouterNat";
const SECRET_GRANT = "gcp:secretmanager/secretIamMember:SecretIamMember";
const PROJECT_GRANT = "gcp:projects/iAMMember:IAMMember";

function figure(table: Record<string, TypeFigure>, r: RecordedResource): TypeFigure {
  const f = table[r.type];
  if (!f)
    throw new Error(
      `no duration figure for resource type ${r.type} (${r.name}): add it with its source to scripts/durations.ts`,
    );
  return f;
}

function lockKey(graph: Graph, r: RecordedResource, kind: "project" | "secret"): string {
  const own = kind === "project" ? r.inputs.project : r.inputs.secretId;
  if (typeof own === "string" && own !== UNKNOWN) return `${kind}:${own}`;
  const dep = graph.customDeps(r).find((d) => d.type === "gcp:secretmanager/secret:Secret");
  return `${kind}:${dep?.urn ?? "default"}`;
}

/**
 * Schedules a stack's custom resources. `done` holds URNs already in place (an earlier
 * update): they take no time. Resources become ready when their dependencies finished and
 * are started in order of readiness (so locks go first come, first served).
 */
export function scheduleStack(
  graph: Graph,
  table: Record<string, TypeFigure> = RESOURCE_TYPES,
  done: Set<string> = new Set(),
): StackEstimate {
  const customs = graph.customs();
  const deps = new Map(customs.map((r) => [r.urn, graph.customDeps(r)]));
  // The gate's boot model reads the NAT (package downloads need egress): wait for it too.
  const nats = customs.filter((r) => r.type === NAT);
  for (const r of customs)
    if (figure(table, r).waitsForBoot) deps.set(r.urn, [...(deps.get(r.urn) ?? []), ...nats]);
  const timed = new Map<string, Timed>();
  const locks = new Map<string, number>();
  let boot: BootStep[] = [];
  while (timed.size < customs.length) {
    let best: { r: RecordedResource; ready: number; after?: string } | undefined;
    for (const r of customs) {
      if (timed.has(r.urn)) continue;
      const ds = deps.get(r.urn) ?? [];
      if (!ds.every((d) => timed.has(d.urn))) continue;
      let ready = 0;
      let after: string | undefined;
      for (const d of ds) {
        const t = (timed.get(d.urn) as Timed).finish;
        if (after === undefined || t > ready) [ready, after] = [Math.max(ready, t), d.urn];
      }
      if (!best || ready < best.ready || (ready === best.ready && r.urn < best.r.urn))
        best = { r, ready, ...(after ? { after } : {}) };
    }
    if (!best) throw new Error("dependency cycle among the remaining resources");
    const { r } = best;
    const f = figure(table, r);
    let start = best.ready;
    let after = best.after;
    if (done.has(r.urn)) {
      timed.set(r.urn, { r, start, finish: start, ...(after ? { after } : {}) });
      continue;
    }
    const key = f.lock ? lockKey(graph, r, f.lock) : undefined;
    if (key && (locks.get(key) ?? 0) > start) {
      start = locks.get(key) as number;
      after = `lock ${key}`;
    }
    let finish = start + f.seconds;
    if (f.waitsForBoot) {
      const ready = cluster(graph, timed, nats);
      boot = ready.steps;
      // Decided by the boot: the path goes on through the node group that finished last.
      if (ready.at > start) [finish, after] = [ready.at + f.seconds, ready.groups[ready.last]];
      else finish = start + 1;
    }
    if (key) locks.set(key, finish);
    timed.set(r.urn, { r, start, finish, ...(after ? { after } : {}) });
  }
  const all = [...timed.values()];
  const last = all.reduce<Timed | undefined>(
    (a, t) => (!a || t.finish > a.finish ? t : a),
    undefined,
  );
  const gate = all.find((t) => figure(table, t.r).waitsForBoot);
  return {
    timed,
    resources: last?.finish ?? 0,
    ...(gate ? { gateReady: gate.finish } : {}),
    boot,
    criticalPath: last ? chain(timed, last) : [],
  };
}

/** The node groups' boot inputs from the schedule so far. */
function cluster(graph: Graph, timed: Map<string, Timed>, nats: RecordedResource[]) {
  const groups: (GroupBoot & { urn: string })[] = graph
    .customs()
    .filter((r) => r.type === NODE_GROUP && timed.has(r.urn))
    .map((mig) => {
      const deps = graph.customDeps(mig);
      const template = deps.find((d) => d.type === TEMPLATE);
      const metadata = (template?.inputs.metadata ?? {}) as Record<string, unknown>;
      const value = metadata["startup-script"];
      if (typeof value !== "string" || value === UNKNOWN)
        throw new Error(
          `the startup script of ${mig.name} is not known in this run: the boot estimate reads it`,
        );
      const script = value;
      const role: GroupBoot["role"] = /^readonly ROLE='server'$/m.test(script)
        ? "server"
        : "client";
      const at = (rs: RecordedResource[]) =>
        Math.max(0, ...rs.map((g) => timed.get(g.urn)?.finish ?? 0));
      const projectGrants = deps.filter((d) => d.type === PROJECT_GRANT);
      const listing = projectGrants.filter((d) => d.inputs.role === "roles/compute.viewer");
      return {
        urn: mig.urn,
        role,
        script,
        created: (timed.get(mig.urn) as Timed).finish,
        secretsGranted: at(deps.filter((d) => d.type === SECRET_GRANT)),
        discoveryGranted: at(listing.length > 0 ? listing : projectGrants),
      };
    });
  const natReady = Math.max(0, ...nats.map((n) => timed.get(n.urn)?.finish ?? 0));
  return {
    ...clusterReady(groups, natReady),
    groups: Object.fromEntries(groups.map((g) => [g.role, g.urn])) as Record<string, string>,
  };
}

function chain(timed: Map<string, Timed>, last: Timed): Timed[] {
  const out = [last];
  let t = last;
  while (t.after && timed.has(t.after)) {
    t = timed.get(t.after) as Timed;
    out.unshift(t);
  }
  return out;
}

const s = (k: keyof typeof ENGINE) => ENGINE[k].seconds;

/**
 * One `pulumi up` of a whole stack: the CLI's own time plus the resources'. By hand the
 * runtime type-checks the program first; npm run deploy runs its updates transpile-only.
 */
export function updateSeconds(e: StackEstimate, typeChecked = true): number {
  return s("updateStart") + (typeChecked ? s("typeCheck") : 0) + e.resources + s("updateEnd");
}

/** The stacks of an `npm run deploy` estimate. */
export interface DeployInput {
  stack: string;
  /** Full program graph (a plain `pulumi up`). */
  full: Graph;
  /** Graph of its platform phase (deferred peers left out); the full graph when none. */
  platform: Graph;
  /** Acceptor stacks of this run it dials. */
  acceptors: string[];
}

/**
 * Sequential (`pulumi up` by hand, stack after stack, acceptors first) versus npm run deploy
 * (parallel).
 */
export function estimateDeploy(
  stacks: DeployInput[],
  table: Record<string, TypeFigure> = RESOURCE_TYPES,
): {
  perStack: Record<string, number>;
  sequential: number;
  parallel: number;
} {
  const perStack: Record<string, number> = {};
  const platformEnd: Record<string, number> = {};
  for (const d of stacks) {
    perStack[d.stack] = updateSeconds(scheduleStack(d.full, table));
    // One type check and every stack prepared, then the platform updates (transpile-only).
    platformEnd[d.stack] =
      s("typeCheck") +
      s("prepare") * stacks.length +
      updateSeconds(scheduleStack(d.platform, table), false);
  }
  const sequential = Object.values(perStack).reduce((a, b) => a + b, 0);
  let parallel = Math.max(...Object.values(platformEnd));
  for (const d of stacks) {
    if (d.acceptors.length === 0 && d.platform === d.full) continue;
    // The peering phase: what the full graph adds to (or changes in) the platform phase.
    const before = new Map(d.platform.customs().map((r) => [r.urn, JSON.stringify(r.inputs)]));
    const same = new Set(
      d.full
        .customs()
        .filter((r) => before.get(r.urn) === JSON.stringify(r.inputs))
        .map((r) => r.urn),
    );
    if (same.size === d.full.customs().length) continue;
    const start = Math.max(
      platformEnd[d.stack] ?? 0,
      ...d.acceptors.map((a) => platformEnd[a] ?? 0),
    );
    parallel = Math.max(parallel, start + updateSeconds(scheduleStack(d.full, table, same), false));
  }
  return { perStack, sequential, parallel };
}

/** Minutes and seconds, for people. */
export function minutes(seconds: number): string {
  const total = Math.round(seconds);
  return `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, "0")} s`;
}
