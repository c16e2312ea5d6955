/**
 * The estimate section of `npm run plan`: one stack's `pulumi up` (and when its datacenter is
 * ready for in-cluster objects), its weighted critical path and the VMs' boot, then
 * `npm run deploy` of every stack, one after another versus all platforms at once.
 */
import { Graph } from "../tests/harness/graph";
import { ROOT, runProgram } from "../tests/harness/program";
import { ENGINE } from "./durations";
import { estimateDeploy, minutes, scheduleStack, updateSeconds } from "./estimate";
import { deferrals } from "./orchestrate";
import { readStacks } from "./stackOrder";

const pad = (n: number) => n.toFixed(0).padStart(4);

/** Lines for one stack's estimate. */
export function stackEstimateLines(stack: string, graph: Graph): string[] {
  const e = scheduleStack(graph);
  // By hand: the CLI's start and the runtime's type check come before the first resource.
  const start = ENGINE.updateStart.seconds + ENGINE.typeCheck.seconds;
  const lines = [
    `Estimated deploy duration (first deploy into an empty project; figures and sources in scripts/durations.ts):`,
    `  pulumi up -s ${stack}: ${minutes(updateSeconds(e))}` +
      (e.gateReady !== undefined
        ? `; ready for in-cluster objects after ${minutes(start + e.gateReady)}`
        : ""),
    `  weighted critical path (seconds after the first resource; the CLI's own ${start} s come first):`,
    ...e.criticalPath.map(
      (t) => `    ${pad(t.start)} → ${pad(t.finish)}  ${t.r.name}  (${t.r.type})`,
    ),
  ];
  if (e.boot.length > 0) {
    lines.push("  boot of the VMs (seconds after the first resource):");
    for (const b of e.boot) lines.push(`    ${pad(b.at)}  ${b.role}: ${b.step}`);
  }
  return lines;
}

/** Runs a program without letting its diagnostics into the plan's output. */
async function quietRun(stack: string, config?: Record<string, unknown>) {
  const log = console.log;
  console.log = () => undefined;
  try {
    return await runProgram({ stack, preview: true, ...(config ? { config } : {}) });
  } finally {
    console.log = log;
  }
}

/** Lines for `npm run deploy` of every stack file in the repository. */
export async function deployEstimateLines(current: {
  stack: string;
  graph: Graph;
}): Promise<string[]> {
  const stacks = readStacks(ROOT);
  // A first deploy: no acceptor has exported anything yet.
  const deferred = deferrals(stacks, {});
  const inputs = [];
  for (const s of stacks) {
    const d = deferred[s.stack] ?? [];
    const runs = [
      s.stack === current.stack ? undefined : await quietRun(s.stack),
      d.length > 0 ? await quietRun(s.stack, { "hashistack:deferredPeers": d }) : undefined,
    ];
    const failed = runs.find((r) => r?.error);
    if (failed?.error)
      return [
        `  npm run deploy: not estimated, stack ${s.stack} does not evaluate: ${failed.error.message.split("\n")[0]}`,
      ];
    const full = runs[0]?.graph ?? current.graph;
    inputs.push({
      stack: s.stack,
      full,
      platform: runs[1]?.graph ?? full,
      acceptors: s.dials.map((x) => x.stack).filter((x) => stacks.some((y) => y.stack === x)),
    });
  }
  const est = estimateDeploy(inputs);
  const slowest = Math.max(...Object.values(est.perStack));
  return [
    `  npm run deploy of all stacks (${stacks.map((s) => s.stack).join(", ")}): ` +
      `sequential ${minutes(est.sequential)}, parallel ${minutes(est.parallel)} ` +
      `(${(est.parallel / slowest).toFixed(2)} × the slowest single stack, ${minutes(slowest)})`,
  ];
}
