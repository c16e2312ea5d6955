/**
 * Local HTTPS servers that answer like the documented Consul and Nomad APIs, with a test
 * CA made by openssl (certificate SAN IP 127.0.0.1), plus a second, unrelated CA to prove
 * that verification is on. Loopback only.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { TOOLS, missingTools } from "./tools";

/** PEMs of a CA and a server certificate it signed. */
export interface TlsFixture {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const openssl = (args: string[]) => {
  // A missing openssl is named with how to install it (not a bare ENOENT).
  const missing = missingTools([TOOLS.openssl]);
  if (missing) throw new Error(`${missing}: the fake HTTPS servers' test CA is made with it`);
  return execFileSync("openssl", args, { stdio: "pipe" });
};

let cached: { good: TlsFixture; otherCaPem: string } | undefined;

function makeCa(dir: string, name: string): void {
  openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    path.join(dir, `${name}.key`),
    "-out",
    path.join(dir, `${name}.pem`),
  ]);
}

/** Test certificates, generated once per process. */
export function tlsFixtures(): { good: TlsFixture; otherCaPem: string } {
  if (cached) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tls-"));
  makeCa(dir, "ca");
  makeCa(dir, "other-ca");
  fs.writeFileSync(
    path.join(dir, "ext.cnf"),
    "subjectAltName=IP:127.0.0.1,DNS:server.dc1.consul\n",
  );
  openssl([
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-subj",
    "/CN=server.dc1.consul",
    "-keyout",
    path.join(dir, "server.key"),
    "-out",
    path.join(dir, "server.csr"),
  ]);
  openssl([
    "x509",
    "-req",
    "-in",
    path.join(dir, "server.csr"),
    "-CA",
    path.join(dir, "ca.pem"),
    "-CAkey",
    path.join(dir, "ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    path.join(dir, "ext.cnf"),
    "-out",
    path.join(dir, "server.pem"),
  ]);
  const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
  cached = {
    good: { caPem: read("ca.pem"), certPem: read("server.pem"), keyPem: read("server.key") },
    otherCaPem: read("other-ca.pem"),
  };
  return cached;
}

/** A route handler: gets the request, returns status and JSON body. */
export type Route = (req: {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}) => {
  status: number;
  body?: unknown;
};

/** A running fake API server. */
export interface FakeApi {
  url: string;
  /** Every request seen, in order (method, path, token headers). */
  requests: { method: string; path: string; token?: string }[];
  close(): Promise<void>;
}

/**
 * Starts an HTTPS server on 127.0.0.1 with the given routes ("GET /v1/status/leader"); a
 * route keyed "*" answers every request no other route matches.
 */
export async function startFakeApi(
  routes: Record<string, Route>,
  tls = tlsFixtures().good,
): Promise<FakeApi> {
  const requests: FakeApi["requests"] = [];
  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "https://127.0.0.1");
      const token = (req.headers["x-consul-token"] ?? req.headers["x-nomad-token"]) as
        string | undefined;
      requests.push({
        method: req.method ?? "GET",
        path: url.pathname + url.search,
        ...(token ? { token } : {}),
      });
      const route = routes[`${req.method} ${url.pathname}`] ?? routes["*"];
      const out = route
        ? route({
            method: req.method ?? "GET",
            path: url.pathname + url.search,
            headers: req.headers,
            body: Buffer.concat(chunks).toString(),
          })
        : { status: 404, body: "no route" };
      const text =
        out.body === undefined
          ? ""
          : typeof out.body === "string" && out.status >= 400
            ? out.body
            : JSON.stringify(out.body);
      res.writeHead(out.status, { "Content-Type": "application/json" });
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Returns answers from a list, one per call, repeating the last. */
export function sequence(...answers: ReturnType<Route>[]): Route {
  let i = 0;
  return () => answers[Math.min(i++, answers.length - 1)] as ReturnType<Route>;
}
