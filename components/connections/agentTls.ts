/**
 * Which certificate each Consul and Nomad listener presents and what each agent trusts,
 * read from a rendered startup script: its agent configs, the files it writes from Secret
 * Manager, and the program's certificates. The rules follow the agents' source:
 * - Consul (tlsutil/config.go): a listener presents its protocol's `cert_file` (tls.https,
 *   tls.grpc, tls.internal_rpc, each falling back to tls.defaults); without one, the
 *   auto-encrypt certificate (commonTLSConfig.GetCertificate), and on gRPC only with
 *   `use_auto_cert` (GRPCServerUseTLS). A client dials RPC with its auto-encrypt certificate
 *   when it has one (GetClientCertificate). Trust pools combine ca_file with the Connect CA
 *   roots that auto-encrypt (clients) or the servers themselves push (with allow_tls:
 *   agent/consul/server.go trackAutoEncryptCARoots -> UpdateAutoTLSCA).
 * - The auto-encrypt certificate is a Connect CA leaf with SANs localhost, 127.0.0.1, ::1
 *   plus auto_encrypt.dns_san/ip_san (agent/auto-config/tls.go).
 * - Nomad: tls.http and tls.rpc present tls.cert_file; verify_server_hostname checks
 *   `server.<region>.nomad`.
 */
import { ConsulAgentConfig, NomadAgentConfig } from "../cluster/agentConfig";
import { CertSpec, DatacenterArtifacts, ProgramCert } from "./connectionTypes";

/** A rendered startup script, read back. */
export interface ParsedScript {
  /** `readonly NAME='value'` settings of the header. */
  vars: Record<string, string>;
  /** Files written from Secret Manager: path -> secret id. */
  secretFiles: Record<string, string>;
  consul: ConsulAgentConfig;
  nomad: NomadAgentConfig;
}

/** Reads a script rendered by startupScript.ts. */
export function parseScript(script: string): ParsedScript {
  const vars: Record<string, string> = {};
  for (const m of script.matchAll(/^readonly (\w+)='([^']*)'$/gm)) vars[m[1] ?? ""] = m[2] ?? "";
  const json: Record<string, unknown> = {};
  for (const m of script.matchAll(/write_file (\S+) \S+ \S+ <<'JSON'\n([\s\S]*?)\nJSON\n/g)) {
    json[m[1] ?? ""] = JSON.parse(m[2] ?? "null");
  }
  const secretFiles: Record<string, string> = {};
  for (const m of script.matchAll(/put_secret "\$(\w+)" "\$(\w+)"/g)) {
    const secret = vars[m[1] ?? ""];
    const file = vars[m[2] ?? ""];
    if (secret && file) secretFiles[file] = secret;
  }
  const consul = json["/etc/consul.d/consul.json"] as ConsulAgentConfig | undefined;
  const nomad = json["/etc/nomad.d/nomad.json"] as NomadAgentConfig | undefined;
  if (!consul || !nomad) throw new Error("parseScript: no consul.json or nomad.json in the script");
  return { vars, secretFiles, consul, nomad };
}

/** Name of a datacenter's Consul Connect (mesh) CA; Consul generates it at first start. */
export function meshCa(datacenter: string): string {
  return `Consul Connect CA of ${datacenter}`;
}

/**
 * Placeholder of a datacenter's SPIFFE trust domain, `<cluster-id>.consul` (Consul picks
 * the cluster id at first start).
 */
export function trustDomain(datacenter: string): string {
  return `${datacenter}-cluster-id.consul`;
}

/** Resolves files and PEMs to the program's certificates. */
export class CertResolver {
  constructor(private readonly a: DatacenterArtifacts) {}

  private byPem(pem: string, what: string): ProgramCert {
    const c = this.a.certs.find((x) => x.pem === pem);
    if (!c) throw new Error(`${what}: no certificate of the program has this PEM`);
    return c;
  }

  /** The common name of the CA whose PEM this is. */
  caOfPem(pem: string, what: string): string {
    const c = this.byPem(pem, what);
    if (!c.isCa) throw new Error(`${what}: the PEM is a leaf certificate, not a CA`);
    return c.commonName;
  }

  private fileCert(s: ParsedScript, file: string): ProgramCert {
    const secret = s.secretFiles[file];
    if (!secret) throw new Error(`${file}: the startup script writes no such file`);
    const pem = this.a.secrets[secret];
    if (pem === undefined) throw new Error(`${file}: secret ${secret} has no version`);
    return this.byPem(pem, `${file} (secret ${secret})`);
  }

  /** The CA a file holds (ca_file). */
  caOfFile(s: ParsedScript, file: string): string {
    const c = this.fileCert(s, file);
    if (!c.isCa) throw new Error(`${file}: not a CA certificate`);
    return c.commonName;
  }

  /** The leaf certificate a file holds (cert_file), as a spec. */
  certOfFile(s: ParsedScript, file: string): CertSpec {
    const c = this.fileCert(s, file);
    const issuer = this.a.certs.find((x) => x.pem === c.issuerPem);
    return {
      issuer: issuer?.commonName ?? "unknown issuer",
      dnsNames: c.dnsNames,
      ipAddresses: c.ipAddresses,
      uris: [],
      origin: `${file} <- Secret Manager ${s.secretFiles[file] ?? ""}`,
    };
  }
}

/** The auto-encrypt certificate of a Consul client agent. */
export function autoEncryptCert(cfg: ConsulAgentConfig, node: string): CertSpec {
  return {
    issuer: meshCa(cfg.datacenter),
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1", "::1"],
    uris: [`spiffe://${trustDomain(cfg.datacenter)}/agent/client/dc/${cfg.datacenter}/id/${node}`],
    origin: "Consul auto-encrypt (Connect CA leaf)",
  };
}

/** The certificate a Consul listener presents (undefined: it serves no TLS). */
export function consulListenerCert(
  s: ParsedScript,
  certs: CertResolver,
  proto: "https" | "grpc" | "internal_rpc",
  node: string,
): CertSpec | undefined {
  const cfg = s.consul;
  const own = cfg.tls[proto] as { cert_file?: string } | undefined;
  const file = own?.cert_file ?? cfg.tls.defaults.cert_file;
  if (file) return certs.certOfFile(s, file);
  const autoTls = cfg.auto_encrypt.tls === true;
  const grpcAuto = (cfg.tls.grpc as { use_auto_cert?: boolean } | undefined)?.use_auto_cert;
  if (autoTls && (proto !== "grpc" || grpcAuto)) return autoEncryptCert(cfg, node);
  return undefined;
}

/** The certificate a Consul agent dials internal RPC with. */
export function consulRpcClientCert(
  s: ParsedScript,
  certs: CertResolver,
  node: string,
): CertSpec | undefined {
  if (!s.consul.server && s.consul.auto_encrypt.tls) return autoEncryptCert(s.consul, node);
  return consulListenerCert(s, certs, "internal_rpc", node);
}

/** CAs a Consul agent trusts: its ca_file plus the Connect CA roots pushed to it. */
export function consulTrusts(s: ParsedScript, certs: CertResolver): string[] {
  const cfg = s.consul;
  const file = cfg.tls.defaults.ca_file;
  const pushed = cfg.auto_encrypt.tls === true || cfg.auto_encrypt.allow_tls === true;
  return [certs.caOfFile(s, file), ...(pushed ? [meshCa(cfg.datacenter)] : [])];
}

/** Addresses a Consul listener binds: its `addresses.<proto>`, else client_addr. */
export function consulBinds(
  cfg: ConsulAgentConfig,
  proto: "grpc" | "grpc_tls" | "https",
): string[] {
  const own = (cfg.addresses as Record<string, string | undefined>)[proto];
  return (own ?? cfg.client_addr).split(" ");
}

/** Nomad's HTTPS and RPC certificate (tls.cert_file). */
export function nomadCert(s: ParsedScript, certs: CertResolver): CertSpec {
  return certs.certOfFile(s, s.nomad.tls.cert_file);
}
