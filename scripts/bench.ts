/**
 * `npm run bench`: program evaluation time under the mock runtime, per stack (median of
 * several runs after one warm-up), and resource count. Figures only, never assertions:
 * timing on shared two-core machines is too noisy to gate CI on.
 */
import * as fs from "fs";
import { ROOT, runProgram } from "../tests/harness/program";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

async function main(): Promise<void> {
  const stacks = fs
    .readdirSync(ROOT)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map((f) => f.split(".")[1] as string);
  console.log(`stack  runs  median_ms  min_ms  max_ms  resources  custom`);
  for (const stack of stacks) {
    const times: number[] = [];
    let count = 0;
    let custom = 0;
    for (let i = 0; i <= RUNS; i++) {
      const t0 = process.hrtime.bigint();
      const run = await runProgram({ stack, preview: true });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (run.error) throw run.error;
      if (i > 0) times.push(ms); // run 0 warms module caches
      count = run.graph.all().length;
      custom = run.graph.customs().length;
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? 0;
    const fmt = (n: number) => n.toFixed(1).padStart(9);
    console.log(
      `${stack.padEnd(5)}  ${String(RUNS).padStart(4)}  ${fmt(median)}  ${fmt(times[0] ?? 0)}  ${fmt(times[times.length - 1] ?? 0)}  ${String(count).padStart(9)}  ${String(custom).padStart(6)}`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
