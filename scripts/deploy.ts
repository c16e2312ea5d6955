/**
 * `npm run deploy`: every stack of this project, creating missing ones, with the policy pack
 * as CI runs it. Platforms deploy all at once (dialers with their peering deferred while
 * their acceptor deploys), then each dialer completes its peering once its acceptors are done
 * (scripts/orchestrate.ts). A failure stops the run naming the stack and phase; a re-run
 * resumes. `npm run destroy`: dialers first, one stack at a time, none while any stack still
 * holds protected resources (scripts/destroyGuard.ts). `-- --stacks dc1,dc2`
 * limits the set. `pulumi up` by hand keeps the simple order: acceptors, then dialers.
 */
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { ROOT } from "../tests/harness/stackConfig";
import { automationOps, runOrganization, summarizeCliError, workspaceOptions } from "./automation";
import { destroyRefusal } from "./destroyGuard";
import { deployAll, describePlan, qualified } from "./orchestrate";
import { hasPulumiCli, NO_CLI } from "./pulumiCli";
import { deployOrder, destroyOrder, readStacks } from "./stackOrder";
import { typeCheckProgram } from "./typeCheck";

async function up(stacks: ReturnType<typeof readStacks>): Promise<number> {
  // Once for the whole run: every update then runs transpile-only (automation.ts).
  const notTyped = typeCheckProgram(ROOT);
  if (notTyped) {
    console.error(notTyped);
    return 1;
  }
  const ops = automationOps(ROOT, (line) => console.log(line));
  const result = await deployAll(stacks, ops, (line) => console.log(`==> ${line}`));
  for (const s of result.skipped) console.log(`==> skipped ${s}: nothing to do`);
  if (result.failures.length === 0) {
    console.log(`\ndeploy complete: ${result.done.join(", ")}`);
    return 0;
  }
  for (const f of result.failures)
    console.error(`\ndeploy stopped: stack ${f.stack} failed in phase ${f.phase}: ${f.message}`);
  console.error(
    `finished before the stop: ${result.done.join(", ") || "nothing"}. Fix the cause and run npm run deploy again: it resumes (finished stacks show no changes).`,
  );
  return 1;
}

async function destroy(order: string[]): Promise<number> {
  // The stacks npm run deploy made: bare names in the backend's default organization.
  const org = await runOrganization(ROOT);
  const names = order.map((short) => qualified(org, short));
  // Protected stacks are refused before any destroy (scripts/destroyGuard.ts).
  const refusal = await destroyRefusal(names, {
    exportStack: async (name) =>
      (
        await LocalWorkspace.selectStack({ stackName: name, workDir: ROOT }, workspaceOptions(ROOT))
      ).exportStack(),
  });
  if (refusal) {
    console.error(refusal);
    return 1;
  }
  for (const name of names) {
    console.log(`\n=== destroy ${name} ===`);
    try {
      const stack = await LocalWorkspace.selectStack(
        { stackName: name, workDir: ROOT },
        workspaceOptions(ROOT),
      );
      await stack.destroy({ onOutput: (out) => process.stdout.write(out) });
    } catch (e) {
      const message = summarizeCliError(e instanceof Error ? e.message : String(e));
      console.error(
        `\ndestroy of stack ${name} failed; later stacks were not touched.\n${message}`,
      );
      return 1;
    }
  }
  return 0;
}

async function main(): Promise<number> {
  const action = process.argv[2];
  if (action !== "up" && action !== "destroy") {
    console.error("usage: ts-node scripts/deploy.ts up|destroy [--stacks dc1,dc2]");
    return 2;
  }
  const only = (() => {
    const i = process.argv.indexOf("--stacks");
    return i > 0 ? (process.argv[i + 1] ?? "").split(",").filter(Boolean) : undefined;
  })();
  const all = readStacks(ROOT);
  const stacks = only ? all.filter((s) => only.includes(s.stack)) : all;
  const peers = stacks.map((s) => ({ stack: s.stack, dials: s.dials.map((d) => d.stack) }));
  if (action === "up") {
    // Acceptors before dialers is the order peerings complete in (and of `pulumi up` by hand).
    console.log(`deploy order: ${deployOrder(peers).join(" → ")}`);
    for (const line of describePlan(stacks)) console.log(`  ${line}`);
  } else console.log(`destroy order: ${destroyOrder(peers).join(" → ")}`);
  if (!hasPulumiCli()) {
    console.error(NO_CLI);
    return 2;
  }
  return action === "up" ? up(stacks) : destroy(destroyOrder(peers));
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
