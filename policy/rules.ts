/**
 * The hashistack policy pack's rules, as plain `ResourceValidationPolicy` objects so they
 * are unit-tested without the policy engine (policy/index.ts only assembles the pack).
 * Every violation message ends with the fix.
 */
import {
  EnforcementLevel,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";

/** Consul, Nomad and SSH ports that must never face the whole internet. */
export const ADMIN_PORTS: readonly number[] = [
  22, 4646, 4647, 4648, 8300, 8301, 8302, 8500, 8501, 8502, 8503, 8600,
];

const WORLD = new Set(["0.0.0.0/0", "::/0"]);

/** Expands a GCE firewall `allows` list to the admin ports it opens (no ports = all ports). */
export function openedAdminPorts(allows: { protocol?: string; ports?: string[] }[]): number[] {
  const opened = new Set<number>();
  for (const a of allows ?? []) {
    const proto = (a.protocol ?? "").toLowerCase();
    if (!["tcp", "udp", "all", "6", "17"].includes(proto)) continue;
    if (!a.ports || a.ports.length === 0) {
      ADMIN_PORTS.forEach((p) => opened.add(p));
      continue;
    }
    for (const spec of a.ports) {
      const [lo, hi] = spec.split("-").map(Number) as [number, number | undefined];
      for (const p of ADMIN_PORTS) if (p >= lo && p <= (hi ?? lo)) opened.add(p);
    }
  }
  return [...opened].sort((x, y) => x - y);
}

/** Types of name-keyed Consul and Nomad objects (a create-first replace would delete the new one). */
export const NAME_KEYED = [
  /^consul:index\/configEntry/,
  /^consul:index\/peering(Token)?:/,
  /^consul:index\/acl(AuthMethod|BindingRule|Policy|Role):/,
  /^pulumi-nodejs:dynamic\/hashistack:Nomad(Job|Namespace)$/,
];

/** Patterns of secret material that must not sit in instance metadata (plaintext to anyone with compute.instances.get). */
export const SECRET_PATTERNS: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
  [
    /"(initial_management|agent|default|dns|token)"\s*:\s*"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/,
    "an ACL token",
  ],
  [/(NOMAD_TOKEN|CONSUL_HTTP_TOKEN)\s*=\s*["']?[0-9a-f]{8}-[0-9a-f]{4}-/, "an ACL token"],
  [/"encrypt"\s*:\s*"[A-Za-z0-9+/]{22,43}={0,2}"/, "a gossip encryption key"],
  [/\bencrypt\s*=\s*"[A-Za-z0-9+/]{22,43}={0,2}"/, "a gossip encryption key"],
];

type Props = Record<string, unknown>;

/** Resource types that define VMs (and so their NICs and metadata). */
const VM_TYPES = ["gcp:compute/instanceTemplate:InstanceTemplate", "gcp:compute/instance:Instance"];

/** A property as text for messages (strings as-is, anything else as JSON). */
function text(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function policy(
  name: string,
  description: string,
  enforcementLevel: EnforcementLevel,
  check: (args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidationPolicy {
  return { name, description, enforcementLevel, validateResource: check };
}

/** All rules of the pack. */
export const policies: ResourceValidationPolicy[] = [
  policy(
    "no-world-open-admin-ports",
    "No firewall rule opens Consul, Nomad or SSH ports to 0.0.0.0/0.",
    "mandatory",
    (args, report) => {
      if (args.type !== "gcp:compute/firewall:Firewall") return;
      const p = args.props as Props;
      if ((p.direction ?? "INGRESS") !== "INGRESS") return;
      const sources = (p.sourceRanges as string[] | undefined) ?? [];
      if (!sources.some((s) => WORLD.has(s))) return;
      const ports = openedAdminPorts(
        (p.allows as { protocol?: string; ports?: string[] }[] | undefined) ?? [],
      );
      if (ports.length > 0) {
        report(
          `firewall ${text(p.name ?? args.name)} opens ${ports.join(", ")} to the world. Fix: restrict sourceRanges to your operator ranges (hashistack:operatorCidrs), and use IAP for SSH (hashistack:sshViaIap).`,
        );
      }
    },
  ),
  policy(
    "consul-provider-verifies-tls",
    "The Consul provider verifies TLS (no insecureHttps).",
    "mandatory",
    (args, report) => {
      if (args.type !== "pulumi:providers:consul") return;
      const insecure = (args.props as Props).insecureHttps;
      if (insecure === true || insecure === "true") {
        report(
          "the Consul provider sets insecureHttps. Fix: remove it and pass the cluster CA as caPem (the server certificate carries the LB's IP).",
        );
      }
    },
  ),
  policy(
    "no-public-ip-on-cluster-vms",
    "Cluster VMs have no external IP (egress goes through Cloud NAT, ingress through the LBs).",
    "mandatory",
    (args, report) => {
      if (!VM_TYPES.includes(args.type)) return;
      const nics =
        ((args.props as Props).networkInterfaces as { accessConfigs?: unknown[] }[] | undefined) ??
        [];
      if (nics.some((n) => (n.accessConfigs ?? []).length > 0)) {
        report(
          `${args.name} gives its VMs an external IP. Fix: remove networkInterfaces[].accessConfigs; reach the cluster through its load balancers.`,
        );
      }
    },
  ),
  policy(
    "server-count-odd",
    "Consul/Nomad server groups have an odd size (Raft quorum).",
    "mandatory",
    (args, report) => {
      if (args.type !== "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager") return;
      const p = args.props as Props;
      if (!text(p.name ?? "").endsWith("-servers")) return;
      const size = Number(p.targetSize);
      if (!Number.isInteger(size) || size % 2 === 0) {
        report(
          `${text(p.name)} has ${text(p.targetSize)} servers. Fix: set hashistack:serverCount to 3 or 5 (an even count tolerates no more failures and can split votes).`,
        );
      }
    },
  ),
  policy(
    "name-keyed-objects-delete-before-replace",
    "Name-keyed Consul and Nomad objects are replaced delete-first.",
    "mandatory",
    (args, report) => {
      if (!NAME_KEYED.some((re) => re.test(args.type))) return;
      if (args.opts.deleteBeforeReplace !== true) {
        report(
          `${args.name} (${args.type}) is keyed by name, so a create-first replacement would overwrite it and then delete it. Fix: set deleteBeforeReplace: true.`,
        );
      }
    },
  ),
  policy(
    "no-secrets-in-instance-metadata",
    "Instance metadata carries secret names, never secret values.",
    "mandatory",
    (args, report) => {
      if (!VM_TYPES.includes(args.type)) return;
      const p = args.props as Props;
      const texts = [
        ...Object.entries((p.metadata as Record<string, unknown> | undefined) ?? {}),
        ["metadataStartupScript", p.metadataStartupScript],
      ];
      for (const [key, value] of texts) {
        if (typeof value !== "string") continue;
        for (const [re, what] of SECRET_PATTERNS) {
          if (re.test(value)) {
            report(
              `${args.name} metadata "${String(key)}" contains ${what}. Fix: store it in Secret Manager and have the startup script fetch it by name with the VM's service account.`,
            );
          }
        }
      }
    },
  ),
];
