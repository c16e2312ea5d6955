/**
 * Real TLS handshakes for the connection matrix: CAs and leaf certificates generated with
 * openssl (P-256) carrying exactly the issuer and SANs a connection's model says, a Node TLS
 * listener on 127.0.0.1 presenting the listener's certificate (and asking for the client's
 * where the model says mTLS), and a client that trusts the model's CAs and checks the
 * model's server name (DNS, IP, SPIFFE URI, or the chain only).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { CertSpec, ServerName, Transport } from "../../components/connections/connectionTypes";

type TlsTransport = Extract<Transport, { kind: "tls" }>;

interface KeyPair {
  cert: string;
  key: string;
}

interface CaPair extends KeyPair {
  files: { cert: string; key: string };
}

/** Generates and caches CAs (by name) and leaves (by spec) in a temporary directory. */
export class TlsLab {
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "tlslab-"));
  private readonly cas = new Map<string, CaPair>();
  private readonly leaves = new Map<string, KeyPair>();
  private n = 0;

  private openssl(args: string[]): void {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  }

  /** The CA of this name (self-signed, CN = name). */
  ca(name: string): CaPair {
    const hit = this.cas.get(name);
    if (hit) return hit;
    const base = path.join(this.dir, `ca${this.n++}`);
    const files = { cert: `${base}.pem`, key: `${base}.key` };
    this.openssl([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      files.key,
      "-out",
      files.cert,
      "-days",
      "2",
      "-subj",
      `/CN=${name.slice(0, 60)}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    const ca = {
      cert: fs.readFileSync(files.cert, "utf8"),
      key: fs.readFileSync(files.key, "utf8"),
      files,
    };
    this.cas.set(name, ca);
    return ca;
  }

  /** A leaf signed by the spec's issuer, with the spec's SANs. */
  leaf(spec: CertSpec): KeyPair {
    const id = JSON.stringify([spec.issuer, spec.dnsNames, spec.ipAddresses, spec.uris]);
    const hit = this.leaves.get(id);
    if (hit) return hit;
    const ca = this.ca(spec.issuer);
    const base = path.join(this.dir, `leaf${this.n++}`);
    const sans = [
      ...spec.dnsNames.map((d) => `DNS:${d}`),
      ...spec.ipAddresses.map((i) => `IP:${i}`),
      ...spec.uris.map((u) => `URI:${u}`),
    ];
    fs.writeFileSync(
      `${base}.ext`,
      [
        "basicConstraints=CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=serverAuth,clientAuth",
        ...(sans.length ? [`subjectAltName=${sans.join(",")}`] : []),
      ].join("\n"),
    );
    this.openssl([
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${base}.key`,
      "-out",
      `${base}.csr`,
      "-subj",
      "/CN=leaf",
    ]);
    this.openssl([
      "x509",
      "-req",
      "-in",
      `${base}.csr`,
      "-CA",
      ca.files.cert,
      "-CAkey",
      ca.files.key,
      "-set_serial",
      String(1000 + this.n),
      "-days",
      "2",
      "-out",
      `${base}.pem`,
      "-extfile",
      `${base}.ext`,
    ]);
    const pair = {
      cert: fs.readFileSync(`${base}.pem`, "utf8"),
      key: fs.readFileSync(`${base}.key`, "utf8"),
    };
    this.leaves.set(id, pair);
    return pair;
  }

  /**
   * One handshake as the model says; resolves to undefined on success, else the error a
   * real client (or the listener, for mTLS) would report.
   */
  async handshake(t: TlsTransport): Promise<string | undefined> {
    const server = this.leaf(t.presents);
    const client = t.clientCert ? this.leaf(t.clientCert) : undefined;
    const mtls = !!t.listenerTrusts;
    const srv = tls.createServer({
      ...server,
      minVersion: "TLSv1.2",
      requestCert: mtls,
      rejectUnauthorized: mtls,
      ...(mtls ? { ca: (t.listenerTrusts ?? []).map((c) => this.ca(c).cert) } : {}),
    });
    let serverError: string | undefined;
    srv.on("tlsClientError", (e) => (serverError = `listener: ${e.message}`));
    srv.on("secureConnection", (s) => s.end("ok"));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    try {
      return await new Promise<string | undefined>((resolve) => {
        const name = t.verify.name;
        const sock = tls.connect({
          host: "127.0.0.1",
          port,
          ca: t.verify.cas.map((c) => this.ca(c).cert),
          ...(client ?? {}),
          ...(name.kind === "dns" ? { servername: name.value } : {}),
          checkServerIdentity: (_h, cert) => identityError(name, cert),
        });
        let data = "";
        const done = (err?: string) => {
          sock.destroy();
          resolve(err);
        };
        sock.setTimeout(5000, () => done(serverError ?? "timeout"));
        sock.on("data", (d) => (data += String(d)));
        sock.on("end", () =>
          done(data === "ok" ? undefined : (serverError ?? "closed without data")),
        );
        sock.on("error", (e: Error) => done(serverError ?? `client: ${e.message}`));
      });
    } finally {
      srv.close();
    }
  }
}

/** The client's name check: DNS/IP per RFC 6125 (Node's), SPIFFE URI SAN, or chain only. */
function identityError(name: ServerName, cert: tls.PeerCertificate): Error | undefined {
  if (name.kind === "none") return undefined;
  if (name.kind === "uri") {
    const sans = (cert.subjectaltname ?? "").split(", ");
    return sans.includes(`URI:${name.value}`)
      ? undefined
      : new Error(
          `certificate has no URI SAN ${name.value} (has ${cert.subjectaltname ?? "none"})`,
        );
  }
  return tls.checkServerIdentity(name.value, cert);
}
