/**
 * `npm run deploy` / `npm run destroy`: every stack of this project in peer order (Automation
 * API), acceptors first on deploy and dialers first on destroy, streaming progress and
 * stopping at the first failure with the stack's name. `-- --stacks dc1,dc2` limits the set.
 */
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { ROOT } from "../tests/harness/stackConfig";
import { hasPulumiCli, NO_CLI } from "./pulumiCli";
import { deployOrder, destroyOrder, readStackPeers } from "./stackOrder";

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
  const all = readStackPeers(ROOT);
  const stacks = only ? all.filter((s) => only.includes(s.stack)) : all;
  const order = action === "up" ? deployOrder(stacks) : destroyOrder(stacks);
  console.log(`${action === "up" ? "deploy" : "destroy"} order: ${order.join(" → ")}`);
  if (!hasPulumiCli()) {
    console.error(NO_CLI);
    return 2;
  }
  for (const name of order) {
    console.log(`\n=== ${action} ${name} ===`);
    try {
      const stack = await LocalWorkspace.selectStack({ stackName: name, workDir: ROOT });
      const onOutput = (out: string) => process.stdout.write(out);
      if (action === "up") await stack.up({ onOutput });
      else await stack.destroy({ onOutput });
    } catch (e) {
      console.error(
        `\n${action} of stack ${name} failed; later stacks were not touched.\n${e instanceof Error ? e.message : String(e)}`,
      );
      return 1;
    }
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
