/**
 * Network-level checks of one connection of the matrix: does a GCE ingress rule admit it,
 * does its load balancer forward the port to the right VMs, and does the listener bind the
 * address and port the client dials. Each returns the problem in words, or undefined.
 * GCE denies ingress by default and applies rules to the backend VMs of a passthrough LB
 * with the client's own source address; egress is allowed (no egress rules here).
 */
import { Cidr, contains, parseCidr } from "../config/cidr";
import { Connection, LoadBalancerArtifact } from "./connectionTypes";
import { FirewallRuleSpec } from "../gcp/firewallRules";

/** Whether a GCE port spec ("8443", "20000-32000") covers [lo, hi]. */
function covers(spec: string, lo: number, hi: number): boolean {
  const [a, b] = spec.split("-").map(Number) as [number, number | undefined];
  return a <= lo && hi <= (b ?? a);
}

function cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (typeof c === "string") throw new Error(`${text}: ${c}`);
  return c;
}

/** The first rule that admits the connection, or why none does. */
export function firewallAdmits(rules: FirewallRuleSpec[], c: Connection): string | undefined {
  const d = c.destination;
  if (c.source.kind === "host") return undefined; // never leaves the VM
  if (!d.tag) return `${c.id}: crosses the VPC but has no target tag`;
  const [lo, hi] = d.portRange ?? [d.port, d.port];
  const src = c.source;
  const ok = rules.some((r) => {
    if (!r.targetTags.includes(d.tag ?? "")) return false;
    const portOk = r.allow.some(
      (x) => x.protocol === d.protocol && x.ports.some((p) => covers(p, lo, hi)),
    );
    if (!portOk) return false;
    if (src.kind === "tag") return (r.sourceTags ?? []).includes(src.tag);
    const ranges = (r.sourceRanges ?? []).map(cidr);
    return src.ranges.every((s) => ranges.some((range) => contains(range, cidr(s))));
  });
  if (ok) return undefined;
  const from = src.kind === "tag" ? `tag ${src.tag}` : `${src.configKey} ${src.ranges.join(",")}`;
  return `${c.id}: no firewall rule admits ${d.protocol}/${lo === hi ? lo : `${lo}-${hi}`} from ${from} to tag ${d.tag}`;
}

/** A connection through a load balancer: it exists at that address, carries the port. */
export function loadBalancerCarries(
  lbs: LoadBalancerArtifact[],
  c: Connection,
): string | undefined {
  const d = c.destination;
  if (!d.loadBalancer) return undefined;
  const lb = lbs.find((l) => l.role === d.loadBalancer);
  if (!lb) return `${c.id}: no load balancer ${d.loadBalancer}`;
  if (lb.address !== d.resolved)
    return `${c.id}: ${lb.role} is at ${lb.address}, not ${d.resolved}`;
  if (!lb.ports.includes(d.port))
    return `${c.id}: ${lb.role} forwards ${lb.ports.join(",")}, not ${d.port}`;
  if (!lb.backendTags.includes(d.tag ?? ""))
    return `${c.id}: ${lb.role} backends are not tag ${d.tag}`;
  return undefined;
}

/**
 * The listener listens where the client dials: same port, and an address it binds
 * (0.0.0.0 binds all; through a passthrough LB packets arrive addressed to the LB's IP, so
 * only 0.0.0.0 will do).
 */
export function listenerReachable(c: Connection): string | undefined {
  const d = c.destination;
  if (d.listenerPort !== d.port)
    return `${c.id}: client dials port ${d.port}, listener is on ${d.listenerPort}`;
  if (d.binds.includes("0.0.0.0")) return undefined;
  if (d.loadBalancer)
    return `${c.id}: through a load balancer but bound to ${d.binds.join(" ")} only`;
  if (d.binds.includes(d.resolved)) return undefined;
  if (d.resolved === "localhost" && d.binds.includes("127.0.0.1")) return undefined;
  return `${c.id}: dials ${d.resolved}, listener binds ${d.binds.join(" ") || "nothing"}`;
}
