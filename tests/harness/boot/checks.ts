/**
 * Readings of a boot's record for the sandbox tests: which boot step each recorded call
 * belongs to, the guest-attribute writes, which files a role must end up with, and whether
 * a user can read a file given the owners and modes the script set.
 */
import {
  BOOT_REPORT_KEYS,
  BOOT_REPORT_NAMESPACE,
  BootStep,
} from "../../../components/cluster/bootReport";
import { BootResult, Call, FileEntry } from "./sandbox";

/** The step a call must happen in, for the calls that mark one; undefined for the rest. */
export function stepOfCall(c: Call, root: string): BootStep | undefined {
  const a = c.args;
  if (c.cmd === "apt-get" && a.includes("install")) return "packages";
  if (c.cmd === "mkfs.ext4" || c.cmd === "modprobe") return "host";
  if (c.cmd === "http" && a[1]?.startsWith("/secretmanager/")) return "secrets";
  if (c.cmd === "install") {
    const dest = (a[a.length - 1] ?? "").slice(root.length);
    if (
      /^\/etc\/(consul\.d\/consul|nomad\.d\/nomad)\.json$|^\/etc\/hashistack\/policies\//.test(dest)
    )
      return "configs";
    if (
      /^\/etc\/hashistack\/(tls|secrets)\/|^\/etc\/(consul|nomad)\.d\/(node|secrets)\.json$/.test(
        dest,
      )
    )
      return "secrets";
  }
  // The agents' units; the clients' metadata firewall unit starts while preparing the host.
  if (
    c.cmd === "systemctl" &&
    ["start", "restart"].includes(a[0] ?? "") &&
    ["consul", "nomad"].includes(a[1] ?? "")
  )
    return "services";
  if (c.cmd === "systemctl" && a[1] === "hashistack-workload-firewall.service") return "host";
  if (c.cmd === "http" && /^\/(consul|nomad)\/v1\/status\/leader$/.test(a[1] ?? ""))
    return "acl-bootstrap";
  if (c.cmd === "nomad" && a[0] === "acl" && a[1] === "bootstrap") return "acl-bootstrap";
  if (c.cmd === "consul" && a[0] === "acl" && ["create", "update"].includes(a[2] ?? ""))
    return "agent-tokens";
  return undefined;
}

/** The value a curl call PUTs to a boot-report guest attribute, with its key. */
export function guestPut(c: Call): { key: string; value: string } | undefined {
  if (c.cmd !== "curl" || !c.args.includes("PUT")) return undefined;
  const url = c.args.find((x) => x.includes("/guest-attributes/"));
  const i = c.args.indexOf("--data-raw");
  if (!url || i < 0) return undefined;
  const key = url.slice(url.indexOf("/guest-attributes/") + "/guest-attributes/".length);
  return { key, value: c.args[i + 1] ?? "" };
}

/** Each marked call with the step that was reported when it ran. */
export function callsBySteps(
  run: BootResult,
  root: string,
): { call: Call; step?: string; in: BootStep }[] {
  const stepKey = `${BOOT_REPORT_NAMESPACE}/${BOOT_REPORT_KEYS.step}`;
  let current: string | undefined;
  const out: { call: Call; step?: string; in: BootStep }[] = [];
  for (const c of run.calls) {
    const put = guestPut(c);
    if (put?.key === stepKey) current = put.value;
    const s = stepOfCall(c, root);
    if (s) out.push({ call: c, in: s, ...(current ? { step: current } : {}) });
  }
  return out;
}

/** Guest-attribute writes as `key=value` (keys without the namespace). */
export function guestLines(run: BootResult): string[] {
  return run.guestWrites.map((w) => `${w.key.replace(`${BOOT_REPORT_NAMESPACE}/`, "")}=${w.value}`);
}

/** The writes a successful boot of a role makes, in order. */
export function successfulReport(role: "server" | "client"): string[] {
  const steps: BootStep[] =
    role === "server"
      ? [
          "packages",
          "host",
          "secrets",
          "configs",
          "services",
          "acl-bootstrap",
          "agent-tokens",
          "done",
        ]
      : ["packages", "host", "secrets", "configs", "services", "done"];
  return [
    `${BOOT_REPORT_KEYS.status}=running`,
    ...steps.map((s) => `${BOOT_REPORT_KEYS.step}=${s}`),
    `${BOOT_REPORT_KEYS.status}=ready`,
  ];
}

/** A file the script must write: mode, owner, and where its content comes from. */
export interface ExpectedFile {
  mode: number;
  owner: string;
  /** Header setting naming the secret whose value the file holds, if any. */
  secret?: string;
}

/** Every file a role's boot writes under /etc/hashistack, /etc/consul.d and /etc/nomad.d. */
export function expectedFiles(role: "server" | "client"): Record<string, ExpectedFile> {
  const common: Record<string, ExpectedFile> = {
    "/etc/hashistack/tls/ca.pem": { mode: 0o644, owner: "root:root", secret: "SECRET_CA_CERT" },
    "/etc/hashistack/tls/agent.pem": { mode: 0o644, owner: "root:root", secret: "SECRET_TLS_CERT" },
    "/etc/hashistack/tls/agent-key.pem": {
      mode: 0o640,
      owner: "root:consul",
      secret: "SECRET_TLS_KEY",
    },
    "/etc/consul.d/consul.json": { mode: 0o640, owner: "root:consul" },
    "/etc/consul.d/node.json": { mode: 0o644, owner: "root:consul" },
    "/etc/consul.d/secrets.json": { mode: 0o640, owner: "root:consul" },
    "/etc/nomad.d/nomad.json": { mode: 0o640, owner: "root:root" },
    "/etc/nomad.d/node.json": { mode: 0o644, owner: "root:root" },
    "/etc/nomad.d/secrets.json": { mode: 0o600, owner: "root:root" },
  };
  if (role === "client") return common;
  const secret = (name: string) => ({ mode: 0o600, owner: "root:root", secret: name });
  return {
    ...common,
    "/etc/hashistack/secrets/consul-management-token": secret("SECRET_CONSUL_MGMT"),
    "/etc/hashistack/secrets/nomad-management-token": secret("SECRET_NOMAD_MGMT"),
    "/etc/hashistack/secrets/consul-server-agent-token": secret("SECRET_CONSUL_AGENT_TOKEN"),
    "/etc/hashistack/secrets/consul-client-agent-token": secret("SECRET_CONSUL_CLIENT_AGENT_TOKEN"),
    "/etc/hashistack/secrets/consul-dns-token": secret("SECRET_CONSUL_DNS_TOKEN"),
    "/etc/hashistack/secrets/nomad-server-consul-token": secret("SECRET_NOMAD_CONSUL_TOKEN"),
    "/etc/hashistack/secrets/nomad-client-consul-token": secret("SECRET_NOMAD_CLIENT_CONSUL_TOKEN"),
    "/etc/hashistack/policies/hashistack-server-agent.json": { mode: 0o644, owner: "root:root" },
    "/etc/hashistack/policies/hashistack-client-agent.json": { mode: 0o644, owner: "root:root" },
    "/etc/hashistack/policies/hashistack-dns.json": { mode: 0o644, owner: "root:root" },
    "/etc/hashistack/policies/hashistack-nomad-client.json": { mode: 0o644, owner: "root:root" },
    "/etc/hashistack/policies/hashistack-nomad-server.json": { mode: 0o644, owner: "root:root" },
  };
}

/**
 * Whether `user` (member of `groups`) can read `file`: the file's owner or group bits, or
 * the others' bits, and every directory above it searchable likewise.
 */
export function readableBy(
  user: string,
  groups: string[],
  file: string,
  files: Map<string, FileEntry>,
  owners: Map<string, string>,
): boolean {
  const allowed = (p: string, bits: { owner: number; group: number; other: number }) => {
    const e = files.get(p);
    if (!e) return false;
    const [u, g] = (owners.get(p) ?? "root:root").split(":");
    if (u === user) return (e.mode & bits.owner) !== 0;
    if (groups.includes(g ?? "")) return (e.mode & bits.group) !== 0;
    return (e.mode & bits.other) !== 0;
  };
  const parts = file.split("/").filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const dir = `/${parts.slice(0, i).join("/")}`;
    if (!allowed(dir, { owner: 0o100, group: 0o010, other: 0o001 })) return false;
  }
  return allowed(file, { owner: 0o400, group: 0o040, other: 0o004 });
}
