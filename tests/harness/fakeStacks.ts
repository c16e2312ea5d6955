/**
 * A fake of the Automation API operations (scripts/orchestrate.ts StackOps) over a backend
 * with organizations, behaving as the CLI and the program do:
 * - a stack name without an organization lands in the backend's default organization
 *   (`defaultOrg`; the file backend's is `organization`), a fully qualified one where it says;
 * - an acceptor's update exports a token per dialer datacenter (its value carries the
 *   peering generation);
 * - a dialer's update resolves each entry as the program does (`<stack>` with its own
 *   organization, `pulumi.getOrganization()`; `<org>/hashistack/<stack>` as written), fails
 *   with the program's own message when that acceptor has no token for it unless the peer is
 *   deferred, and records the peers it has established (`peerings`, keyed by peer name). A
 *   peering it had that the update leaves out is deleted, as the engine would, and recorded
 *   in `deletedPeerings`.
 * Records when each update starts and ends.
 */
import { StackOps } from "../../scripts/orchestrate";

/** One stack file of the fake project. */
export interface FakeStack {
  datacenter: string;
  /** Datacenters it accepts (exports tokens for). */
  accepts: string[];
  /** Its dialer entries: the acceptor as `hashistack:peers` writes it, and its datacenter. */
  dials: { ref: string; datacenter: string }[];
  /** Milliseconds an update takes. */
  ms: number;
}

/** The fake; `failNext` makes the next update with that label (`dc1 platform`) fail once. */
export class FakeStacks implements StackOps {
  /** Fully qualified names of the stacks the backend holds. */
  readonly existing = new Set<string>();
  /** Outputs per fully qualified stack name. */
  readonly outputsOf: Record<string, Record<string, unknown>> = {};
  readonly events: string[] = [];
  readonly ups: { label: string; deferredPeers: string[] }[] = [];
  /** Every stack name an operation received, as received. */
  readonly names: string[] = [];
  readonly failNext = new Set<string>();
  /** `<stack> <peer>` for each established peering an update deleted. */
  readonly deletedPeerings: string[] = [];
  /** Peering generation per acceptor stack file (bump to re-peer). */
  readonly generation: Record<string, number> = {};
  /**
   * `hashistack:protectCluster` per stack (default true, as shipped): an update leaves the
   * CA key and the server group protected in state exactly when it is true.
   */
  readonly protectCluster: Record<string, boolean> = {};
  /** Resources in each stack's state after its last update (`pulumi stack export`). */
  readonly state: Record<string, { urn: string; type: string; protect?: boolean }[]> = {};

  /**
   * @param stacks the project's stack files, by stack name
   * @param defaultOrg where bare stack names land (`organization` on the file backend)
   */
  constructor(
    readonly stacks: Record<string, FakeStack>,
    readonly defaultOrg = "organization",
  ) {}

  /** The fully qualified name the backend gives `name`. */
  qualify(name: string): string {
    return name.includes("/") ? name : `${this.defaultOrg}/hashistack/${name}`;
  }

  /** Outputs of a stack named as a user would (`dc2`, or `acme/hashistack/dc2`). */
  out(name: string): Record<string, unknown> | undefined {
    return this.outputsOf[this.qualify(name)];
  }

  /** Puts a stack with outputs in the backend, as an earlier deploy left it. */
  seed(name: string, outputs: Record<string, unknown>): void {
    this.existing.add(this.qualify(name));
    this.outputsOf[this.qualify(name)] = structuredClone(outputs);
  }

  async organization(): Promise<string> {
    return this.defaultOrg;
  }

  async ensureStack(stack: string): Promise<"created" | "existing"> {
    this.names.push(stack);
    const short = stack.split("/").pop() as string;
    if (!this.stacks[short]) throw new Error(`unknown stack ${short}`);
    const fq = this.qualify(stack);
    if (this.existing.has(fq)) return "existing";
    this.existing.add(fq);
    return "created";
  }

  async outputs(stack: string): Promise<Record<string, unknown>> {
    this.names.push(stack);
    return structuredClone(this.outputsOf[this.qualify(stack)] ?? {});
  }

  async up(stack: string, opts: { deferredPeers: string[]; label: string }): Promise<void> {
    this.names.push(stack);
    const fq = this.qualify(stack);
    const [org, , short] = fq.split("/") as [string, string, string];
    const s = this.stacks[short];
    if (!s || !this.existing.has(fq)) throw new Error(`no stack named '${stack}' found`);
    this.ups.push({ label: opts.label, deferredPeers: [...opts.deferredPeers] });
    this.events.push(`start ${opts.label}`);
    // The program reads its acceptors first: a missing token stops it before any change.
    const established: Record<string, string> = {};
    for (const d of s.dials) {
      if (opts.deferredPeers.includes(d.datacenter)) continue;
      const target = d.ref.includes("/") ? d.ref : `${org}/hashistack/${d.ref}`;
      const tokens = this.outputsOf[target]?.peeringTokens as Record<string, string> | undefined;
      const token = tokens?.[s.datacenter];
      if (!token) {
        this.events.push(`fail ${opts.label}`);
        throw new Error(`stack ${target} has no "peeringTokens" output: deploy it first`);
      }
      established[`${d.datacenter}-default`] = token;
    }
    await new Promise((r) => setTimeout(r, s.ms));
    if (this.failNext.delete(opts.label)) {
      this.events.push(`fail ${opts.label}`);
      throw new Error(`${short}-readiness: datacenter not ready after 1200 s\nsecond line`);
    }
    const had = (this.outputsOf[fq]?.peerings ?? {}) as Record<string, unknown>;
    for (const peer of Object.keys(had))
      if (!(peer in established)) this.deletedPeerings.push(`${fq} ${peer}`);
    const generation = this.generation[short] ?? 1;
    this.outputsOf[fq] = {
      datacenter: s.datacenter,
      ...(s.accepts.length > 0
        ? {
            peeringTokens: Object.fromEntries(
              s.accepts.map((dc) => [dc, `token-${short}-for-${dc}-gen${generation}`]),
            ),
          }
        : {}),
      ...(s.dials.length > 0 ? { peerings: established } : {}),
      ...(opts.deferredPeers.length > 0 ? { deferredPeers: opts.deferredPeers } : {}),
    };
    // State by full name; protectCluster is a stack-file setting (bare name); resources are
    // named by datacenter, the URN's stack part is the bare name, as the engine writes them.
    this.state[fq] = stateOf(short, s.datacenter, this.protectCluster[short] ?? true);
    this.events.push(`end ${opts.label}`);
  }

  /** `pulumi stack export`: a stack never updated has no resources; an unknown one fails. */
  async exportStack(stack: string): Promise<{ version: number; deployment: unknown }> {
    const fq = this.qualify(stack);
    if (!this.existing.has(fq)) throw new Error(`no stack named '${stack}' found`);
    return { version: 3, deployment: { resources: structuredClone(this.state[fq] ?? []) } };
  }

  /** Index of an event; throws when it never happened (clear test failures). */
  at(event: string): number {
    const i = this.events.indexOf(event);
    if (i < 0) throw new Error(`no event "${event}" in:\n  ${this.events.join("\n  ")}`);
    return i;
  }
}

/** A few of a stack's resources as the state records them (protect as the program sets it). */
function stateOf(stack: string, dc: string, protect: boolean) {
  const urn = (type: string, name: string) => `urn:pulumi:${stack}::hashistack::${type}::${name}`;
  const flag = protect ? { protect: true } : {};
  return [
    { urn: urn("pulumi:pulumi:Stack", `hashistack-${stack}`), type: "pulumi:pulumi:Stack" },
    {
      urn: urn("tls:index/privateKey:PrivateKey", `${dc}-ca-key`),
      type: "tls:index/privateKey:PrivateKey",
      ...flag,
    },
    {
      urn: urn(
        "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
        `${dc}-servers-group`,
      ),
      type: "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
      ...flag,
    },
    {
      urn: urn(
        "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
        `${dc}-clients-group`,
      ),
      type: "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
    },
  ];
}
