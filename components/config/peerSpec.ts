/**
 * The entries of `hashistack:peers`, parsed and resolved. Pure: tested without the runtime.
 *
 * - `acceptor:<remote-dc>`: this stack mints a peering token for the remote datacenter;
 * - `dialer:<remote-dc>:<stack>`: this stack establishes the peering with the token exported
 *   by the acceptor's stack `<stack>` of this project, under this run's organization (the
 *   file backend's is `organization`, Pulumi Cloud's the stack owner's), so one stack file
 *   works on both backends;
 * - `dialer:<remote-dc>:<org>/<project>/<stack>`: the fully-qualified form, for another
 *   organization or project.
 */
import { DC_ALLOWED, DC_RE, PeerConfig } from "./types";

/** Who is running: resolves short dialer entries and spots a dialer of its own stack. */
export interface PeerContext {
  /** This stack's name (`pulumi.getStack()`). */
  stack: string;
  /** This project's name (`pulumi.getProject()`). */
  project: string;
  /** `pulumi.getOrganization()`; undefined when the CLI passed none (older CLIs). */
  organization?: string;
}

/** One problem with the peers list: the key (`hashistack:peers[i]`), the entry, what is allowed. */
export interface PeerProblem {
  index?: number;
  received: string;
  allowed: string;
}

/** Allowed forms of a peer entry, as error messages state them. */
export const PEER_FORMS =
  '"acceptor:<remote-datacenter>", "dialer:<remote-datacenter>:<stack>" or "dialer:<remote-datacenter>:<org>/<project>/<stack>"';

/** A stack, project or organization name part (Pulumi's stack-name characters). */
const NAME_PART = /^[A-Za-z0-9._-]+$/;

/** The fully-qualified name of a stack reference written as `<stack>` or `<org>/<project>/<stack>`. */
export function qualifyStack(ref: string, ctx: PeerContext): string | undefined {
  const parts = ref.split("/");
  if (!parts.every((p) => NAME_PART.test(p))) return undefined;
  if (parts.length === 3) return ref;
  if (parts.length === 1 && ctx.organization) return `${ctx.organization}/${ctx.project}/${ref}`;
  return undefined;
}

/** Parses one entry; returns the peer or the reason it is refused (what is allowed). */
export function parsePeer(spec: string, ctx: PeerContext): PeerConfig | string {
  const parts = spec.split(":");
  const [role, remote, ref] = parts;
  const dcOk = remote !== undefined && DC_RE.test(remote);
  const general = `${PEER_FORMS}, the datacenter being ${DC_ALLOWED}`;
  if (role === "acceptor" && parts.length === 2 && dcOk)
    return { role, datacenter: remote, peerName: `${remote}-default` };
  if (role !== "dialer" || !dcOk || parts.length > 3) return general;
  const stackForms =
    'a dialer names its acceptor\'s stack: "dialer:<remote-datacenter>:<stack>" (a stack of this project) or "dialer:<remote-datacenter>:<org>/<project>/<stack>"';
  if (ref === undefined || ref === "") return stackForms;
  if (!ref.includes("/") && NAME_PART.test(ref) && !ctx.organization)
    return `the fully-qualified "dialer:${remote}:<org>/${ctx.project}/${ref}": this Pulumi CLI passed no organization to the program`;
  const stack = qualifyStack(ref, ctx);
  if (stack === undefined) return `${stackForms}, each name part letters, digits, ".", "_" or "-"`;
  const self = `${ctx.organization ?? "<org>"}/${ctx.project}/${ctx.stack}`;
  const [, project, name] = stack.split("/");
  const sameOrg = ctx.organization === undefined || stack.startsWith(`${ctx.organization}/`);
  if (sameOrg && project === ctx.project && name === ctx.stack)
    return `the acceptor's stack, not this one (${self}): a dialer reads the peering token its acceptor exports`;
  return { role: "dialer", datacenter: remote, peerName: `${remote}-default`, stack };
}

/**
 * Parses the raw `hashistack:peers` value (a JSON list) for datacenter `datacenter`. Returns
 * the peers and every problem found: malformed entries, this datacenter as its own peer,
 * a remote named twice.
 */
export function parsePeers(
  raw: string,
  datacenter: string,
  ctx: PeerContext,
): { peers: PeerConfig[]; problems: PeerProblem[]; listOk: boolean } {
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    list = undefined;
  }
  if (!Array.isArray(list) || !list.every((p) => typeof p === "string")) {
    return {
      peers: [],
      listOk: false,
      problems: [{ received: raw, allowed: `a JSON list of ${PEER_FORMS}` }],
    };
  }
  const peers: PeerConfig[] = [];
  const problems: PeerProblem[] = [];
  list.forEach((spec, index) => {
    const parsed = parsePeer(spec, ctx);
    if (typeof parsed === "string") problems.push({ index, received: spec, allowed: parsed });
    else peers.push(parsed);
  });
  const remotes = peers.map((p) => p.datacenter);
  if (remotes.includes(datacenter))
    problems.push({
      received: raw,
      allowed: `remote datacenters other than this one (${datacenter})`,
    });
  if (new Set(remotes).size !== remotes.length)
    problems.push({ received: raw, allowed: "each remote datacenter once" });
  return { peers, problems, listOk: true };
}
