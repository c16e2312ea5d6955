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

/** A stack of this project as `npm run deploy` needs it: its datacenter and whom it dials. */
export interface StackInfo {
  stack: string;
  /** Its `hashistack:datacenter` (acceptors key their tokens by it). */
  datacenter: string;
  /** Acceptor stacks of this project it dials, with the remote datacenter of each entry. */
  dials: { stack: string; datacenter: string }[];
}

/** This program's Pulumi project name (stack references into other projects impose no order). */
const PROJECT = "hashistack";

/**
 * Reads every `Pulumi.<stack>.yaml` in `dir`. A dialer entry names its acceptor as
 * `<org>/<project>/<stack>` (or a shorter suffix of it); only acceptors of this project count.
 */
export function readStacks(dir: string): StackInfo[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .sort()
    .map((f) => {
      const stack = f.split(".")[1] as string;
      const config = readStackConfig(path.join(dir, f));
      const peers = JSON.parse(config["hashistack:peers"] ?? "[]") as string[];
      const dials = peers
        .map((p) => p.split(":"))
        .filter(([role, remote, ref]) => role === "dialer" && remote && ref)
        .map(([, remote, ref]) => ({ remote: remote as string, parts: (ref as string).split("/") }))
        .filter(({ parts }) => parts.length < 2 || parts[parts.length - 2] === PROJECT)
        .map(({ remote, parts }) => ({
          stack: parts[parts.length - 1] as string,
          datacenter: remote,
        }));
      return { stack, datacenter: config["hashistack:datacenter"] ?? stack, dials };
    });
}

/** Reads every `Pulumi.<stack>.yaml` in `dir`: which stacks each one dials. */
export function readStackPeers(dir: string): StackPeers[] {
  return readStacks(dir).map((s) => ({ stack: s.stack, dials: s.dials.map((d) => d.stack) }));
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
