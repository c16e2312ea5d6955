/**
 * Mock answers for offline plans: what the other stacks would export, so a dialer's plan
 * runs without its acceptor's state. Values are placeholders, never real tokens.
 */
import * as fs from "fs";
import * as path from "path";
import { MockOverrides } from "./mocks";
import { ROOT, readStackConfig } from "./program";

/** Placeholder outputs for every stack the given stack's peers reference. */
export function planMockOverrides(stack: string): MockOverrides {
  const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
  const stackOutputs: NonNullable<MockOverrides["stackOutputs"]> = {};
  if (fs.existsSync(file)) {
    const peers = JSON.parse(readStackConfig(file)["hashistack:peers"] ?? "[]") as string[];
    for (const spec of peers) {
      const [role, , ref] = spec.split(":");
      if (role === "dialer" && ref) {
        stackOutputs[ref] = {
          outputs: { datacenter: ref.split("/").pop(), peeringTokens: {} },
          secretOutputNames: ["peeringTokens"],
        };
      }
    }
  }
  return { stackOutputs };
}
