/**
 * Deploy order of this project's stacks, derived from their peers: an acceptor before
 * every stack that dials it (the dialer reads its token); destroy in reverse. Pure, tested.
 */
import * as fs from "fs";
import * as path from "path";
import { readStackConfig } from "../tests/harness/stackConfig";

/** A stack and the local stacks it dials (must be deployed before it). */
export interface StackPeers {
  stack: string;
  dials: string[];
}

/** Reads every `Pulumi.<stack>.yaml` in `dir`: which stacks each one dials. */
export function readStackPeers(dir: string): StackPeers[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map((f) => {
      const stack = f.split(".")[1] as string;
      const peers = JSON.parse(
        readStackConfig(path.join(dir, f))["hashistack:peers"] ?? "[]",
      ) as string[];
      const dials = peers
        .map((p) => p.split(":"))
        .filter(([role, , ref]) => role === "dialer" && ref)
        .map(([, , ref]) => (ref as string).split("/").pop() as string);
      return { stack, dials };
    });
}

/**
 * Acceptors before dialers (Kahn's algorithm, alphabetical among equals). Dialed stacks
 * outside the set (another project's) impose no order here. A cycle is an error naming it.
 */
export function deployOrder(stacks: StackPeers[]): string[] {
  const names = new Set(stacks.map((s) => s.stack));
  const deps = new Map(
    stacks.map((s) => [s.stack, new Set(s.dials.filter((d) => names.has(d) && d !== s.stack))]),
  );
  const order: string[] = [];
  while (order.length < stacks.length) {
    const ready = [...deps.entries()]
      .filter(([s, d]) => !order.includes(s) && [...d].every((x) => order.includes(x)))
      .map(([s]) => s)
      .sort();
    if (ready.length === 0) {
      const left = [...deps.keys()].filter((s) => !order.includes(s));
      throw new Error(
        `peering cycle between stacks ${left.join(", ")}: each dialer needs its acceptor deployed first; make one stack the acceptor of the other instead of both dialing`,
      );
    }
    order.push(ready[0] as string);
  }
  return order;
}

/** Destroy order: dialers before acceptors. */
export function destroyOrder(stacks: StackPeers[]): string[] {
  return deployOrder(stacks).reverse();
}
