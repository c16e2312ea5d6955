/**
 * A fake of the Automation API operations (scripts/orchestrate.ts StackOps) that behaves as
 * the program does: an acceptor's update exports a token per dialer datacenter (its value
 * carries the peering generation), a dialer's update fails with the program's own message
 * when its acceptor has no token for it unless that peer is deferred, and a finished dialer
 * records which peers it has established. Records when each update starts and ends.
 */
import { StackOps } from "../../scripts/orchestrate";

/** One stack of the fake backend. */
export interface FakeStack {
  datacenter: string;
  /** Datacenters it accepts (exports tokens for). */
  accepts: string[];
  /** Acceptor stacks it dials, with their datacenters. */
  dials: { stack: string; datacenter: string }[];
  /** Milliseconds an update takes. */
  ms: number;
}

/** The fake; `failNext` makes the next update with that label (`dc1 platform`) fail once. */
export class FakeStacks implements StackOps {
  readonly existing = new Set<string>();
  readonly outputsOf: Record<string, Record<string, unknown>> = {};
  readonly events: string[] = [];
  readonly ups: { label: string; deferredPeers: string[] }[] = [];
  readonly failNext = new Set<string>();
  /** Peering generation per acceptor (bump to re-peer). */
  readonly generation: Record<string, number> = {};
  /**
   * `hashistack:protectCluster` per stack (default true, as shipped): an update leaves the
   * CA key and the server group protected in state exactly when it is true.
   */
  readonly protectCluster: Record<string, boolean> = {};
  /** Resources in each stack's state after its last update (`pulumi stack export`). */
  readonly state: Record<string, { urn: string; type: string; protect?: boolean }[]> = {};

  constructor(readonly stacks: Record<string, FakeStack>) {}

  async ensureStack(stack: string): Promise<"created" | "existing"> {
    if (!this.stacks[stack]) throw new Error(`unknown stack ${stack}`);
    if (this.existing.has(stack)) return "existing";
    this.existing.add(stack);
    return "created";
  }

  async outputs(stack: string): Promise<Record<string, unknown>> {
    return structuredClone(this.outputsOf[stack] ?? {});
  }

  async up(stack: string, opts: { deferredPeers: string[]; label: string }): Promise<void> {
    const s = this.stacks[stack];
    if (!s || !this.existing.has(stack)) throw new Error(`no stack named '${stack}' found`);
    this.ups.push({ label: opts.label, deferredPeers: [...opts.deferredPeers] });
    this.events.push(`start ${opts.label}`);
    // The program reads its acceptors first: a missing token stops it before any change.
    const established: Record<string, string> = {};
    for (const d of s.dials) {
      if (opts.deferredPeers.includes(d.datacenter)) continue;
      const tokens = this.outputsOf[d.stack]?.peeringTokens as Record<string, string> | undefined;
      const token = tokens?.[s.datacenter];
      if (!token) {
        this.events.push(`fail ${opts.label}`);
        throw new Error(`stack ${d.stack} has no "peeringTokens" output: deploy it first`);
      }
      established[`${d.datacenter}-default`] = token;
    }
    await new Promise((r) => setTimeout(r, s.ms));
    if (this.failNext.delete(opts.label)) {
      this.events.push(`fail ${opts.label}`);
      throw new Error(`${stack}-readiness: datacenter not ready after 1200 s\nsecond line`);
    }
    const generation = this.generation[stack] ?? 1;
    this.outputsOf[stack] = {
      datacenter: s.datacenter,
      ...(s.accepts.length > 0
        ? {
            peeringTokens: Object.fromEntries(
              s.accepts.map((dc) => [dc, `token-${stack}-for-${dc}-gen${generation}`]),
            ),
          }
        : {}),
      ...(s.dials.length > 0 ? { peerings: established } : {}),
      ...(opts.deferredPeers.length > 0 ? { deferredPeers: opts.deferredPeers } : {}),
    };
    this.state[stack] = stateOf(stack, this.protectCluster[stack] ?? true);
    this.events.push(`end ${opts.label}`);
  }

  /** `pulumi stack export`: a stack never updated has no resources; an unknown one fails. */
  async exportStack(stack: string): Promise<{ version: number; deployment: unknown }> {
    if (!this.existing.has(stack)) throw new Error(`no stack named '${stack}' found`);
    return { version: 3, deployment: { resources: structuredClone(this.state[stack] ?? []) } };
  }

  /** Index of an event; throws when it never happened (clear test failures). */
  at(event: string): number {
    const i = this.events.indexOf(event);
    if (i < 0) throw new Error(`no event "${event}" in:\n  ${this.events.join("\n  ")}`);
    return i;
  }
}

/** A few of a stack's resources as the state records them (protect as the program sets it). */
function stateOf(stack: string, protect: boolean) {
  const urn = (type: string, name: string) => `urn:pulumi:${stack}::hashistack::${type}::${name}`;
  const flag = protect ? { protect: true } : {};
  return [
    { urn: urn("pulumi:pulumi:Stack", `hashistack-${stack}`), type: "pulumi:pulumi:Stack" },
    {
      urn: urn("tls:index/privateKey:PrivateKey", `${stack}-ca-key`),
      type: "tls:index/privateKey:PrivateKey",
      ...flag,
    },
    {
      urn: urn(
        "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
        `${stack}-servers-group`,
      ),
      type: "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
      ...flag,
    },
    {
      urn: urn(
        "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
        `${stack}-clients-group`,
      ),
      type: "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
    },
  ];
}
