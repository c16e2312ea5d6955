/**
 * The stacks of this directory as `npm run deploy` needs them, and their deploy order: an
 * acceptor before every stack that dials it (the dialer reads its token); destroy in
 * reverse. Pure, tested.
 */
import * as fs from "fs";
import * as path from "path";
import { readStackConfig } from "../tests/harness/stackConfig";

/** A stack and the local stacks it dials (must be deployed before it). */
export interface StackPeers {
  stack: string;
  dials: string[];
}

/** An acceptor stack of this project that a dialer entry names. */
export interface Dial {
  /** The acceptor's stack name, without organization and project. */
  stack: string;
  /** The remote datacenter of the entry (its token is keyed by the dialer's datacenter). */
  datacenter: string;
  /**
   * The organization the entry names (`<org>/<project>/<stack>`); absent for a short entry
   * (`<stack>`), which the program qualifies with its own organization
   * (`pulumi.getOrganization()`: the organization of the stack being deployed).
   */
  org?: string;
}

/** A stack of this project as `npm run deploy` needs it: its datacenter and whom it dials. */
export interface StackInfo {
  stack: string;
  /** Its `hashistack:datacenter` (acceptors key their tokens by it). */
  datacenter: string;
  /** Acceptor stacks of this project it dials. */
  dials: Dial[];
  /** Its `gcp:project`, when set: stacks sharing one contend on its IAM policy. */
  gcpProject?: string;
}

/** This program's Pulumi project name (stack references into other projects impose no order). */
export const PROJECT = "hashistack";

/**
 * One dialer entry's acceptor, when it is a stack of this project: `<stack>` or
 * `<org>/<project>/<stack>`, the two forms the program accepts (components/config/loadConfig.ts).
 * Anything else (another project, a malformed entry the program refuses) is not one.
 */
export function parseDial(spec: string): Dial | undefined {
  const [role, datacenter, ref, ...rest] = spec.split(":");
  if (role !== "dialer" || !datacenter || !ref || rest.length > 0) return undefined;
  const parts = ref.split("/");
  if (parts.some((p) => p === "")) return undefined;
  if (parts.length === 1) return { stack: ref, datacenter };
  const [org, project, stack] = parts;
  if (parts.length !== 3 || project !== PROJECT || !org || !stack) return undefined;
  return { stack, datacenter, org };
}

/** Reads every `Pulumi.<stack>.yaml` in `dir`. */
export function readStacks(dir: string): StackInfo[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .sort()
    .map((f) => {
      const stack = f.split(".")[1] as string;
      const config = readStackConfig(path.join(dir, f));
      const peers = JSON.parse(config["hashistack:peers"] ?? "[]") as string[];
      const dials = peers.map(parseDial).filter((d): d is Dial => d !== undefined);
      const gcpProject = config["gcp:project"];
      return {
        stack,
        datacenter: config["hashistack:datacenter"] ?? stack,
        dials,
        ...(gcpProject ? { gcpProject } : {}),
      };
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
