/**
 * A local fake of what a VM talks to at boot, on 127.0.0.1 (plain HTTP: the sandbox's curl
 * stand-in maps the real endpoints here, see shims.sh):
 * - the GCE metadata server (`/metadata/computeMetadata/v1/...`): the service account's
 *   token, the NIC's IP, and guest attributes (`PUT .../guest-attributes/<ns>/<key>`);
 * - the Secret Manager REST API (`/secretmanager/v1/projects/<p>/secrets/<s>/versions/
 *   latest:access`), with the IAM check: the token's account must be granted the secret;
 * - the HashiCorp apt repository's signing key (`/apt/gpg`);
 * - GitHub release downloads (`/github/<owner>/<repo>/releases/download/...`): the files the
 *   sandbox placed under `<stateDir>/github/` (the stand-in CNI release), else 404;
 * - the local agents' `/v1/status/leader` (`/consul/...`, `/nomad/...`), answering only while
 *   the sandbox's systemctl has the unit active.
 * Answers follow the documented shapes (status codes, `error.status` / `error.message`).
 */
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";

/** What the fake serves to one VM. */
export interface FakeGceOptions {
  project: string;
  /** The VM's service account. */
  account: string;
  /** Secret ID -> value. */
  secrets: Map<string, string>;
  /** Secret ID -> accounts granted `secretAccessor`. */
  readers: Map<string, Set<string>>;
  /** The VM's internal IP. */
  ip: string;
  /** The sandbox's state directory (units, calls.log). */
  stateDir: string;
  /** False: the guest-attributes endpoint answers 403, as on a VM without them enabled. */
  guestAttributes?: boolean;
  /** Agents that run but never elect a leader (status/leader answers `""`, as Consul and Nomad do). */
  noLeader?: ("consul" | "nomad")[];
}

/** One guest-attribute write, in order. */
export interface GuestWrite {
  key: string;
  value: string;
}

/** The running fake. */
export class FakeGce {
  /** Guest attributes now (`<ns>/<key>` -> value) and every write in order. */
  readonly guest = new Map<string, string>();
  readonly guestWrites: GuestWrite[] = [];
  private server?: http.Server;
  private port = 0;

  constructor(readonly opts: FakeGceOptions) {}

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => this.handle(req, res, body));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private token(): string {
    return `sandbox-token-for-${this.opts.account}`;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const url = req.url ?? "/";
    fs.appendFileSync(path.join(this.opts.stateDir, "calls.log"), `http\t${req.method}\t${url}\n`);
    const send = (status: number, text: string, type = "text/plain") => {
      res.writeHead(status, { "Content-Type": type });
      res.end(text);
    };
    const json = (status: number, v: unknown) =>
      send(status, JSON.stringify(v), "application/json");
    const md = "/metadata/computeMetadata/v1/";
    if (url.startsWith(md)) {
      if (req.headers["metadata-flavor"] !== "Google")
        return send(403, "Missing Metadata-Flavor:Google header.");
      const p = url.slice(md.length);
      if (p.startsWith("instance/guest-attributes/")) {
        if (this.opts.guestAttributes === false)
          return send(403, "Guest attributes endpoint access is disabled.");
        const key = p.slice("instance/guest-attributes/".length);
        if (req.method === "PUT") {
          this.guest.set(key, body);
          this.guestWrites.push({ key, value: body });
          return send(200, "");
        }
        const v = this.guest.get(key);
        return v === undefined ? send(404, "Not Found") : send(200, v);
      }
      if (p === "instance/service-accounts/default/token")
        return json(200, { access_token: this.token(), expires_in: 3599, token_type: "Bearer" });
      if (p === "instance/network-interfaces/0/ip") return send(200, this.opts.ip);
      return send(404, "Not Found");
    }
    const sm =
      /^\/secretmanager\/v1\/projects\/([^/]+)\/secrets\/([^/]+)\/versions\/latest:access$/.exec(
        url,
      );
    if (sm) {
      const [, project, id] = sm as unknown as [string, string, string];
      if (req.headers.authorization !== `Bearer ${this.token()}`)
        return json(401, {
          error: {
            code: 401,
            message: "Request had invalid authentication credentials.",
            status: "UNAUTHENTICATED",
          },
        });
      const value = project === this.opts.project ? this.opts.secrets.get(id) : undefined;
      // Without a grant the answer is 403 whether the secret exists or not (the VMs have no
      // project-wide access); with one, a secret without versions is 404.
      if (project !== this.opts.project || !this.opts.readers.get(id)?.has(this.opts.account))
        return json(403, {
          error: {
            code: 403,
            message: `Permission 'secretmanager.versions.access' denied for resource 'projects/${project}/secrets/${id}/versions/latest' (or it may not exist).`,
            status: "PERMISSION_DENIED",
          },
        });
      if (value === undefined)
        return json(404, {
          error: {
            code: 404,
            message: `Secret [projects/${project}/secrets/${id}] not found or has no versions.`,
            status: "NOT_FOUND",
          },
        });
      return json(200, {
        name: `projects/${project}/secrets/${id}/versions/1`,
        payload: { data: Buffer.from(value).toString("base64") },
      });
    }
    if (url === "/apt/gpg")
      return send(
        200,
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\nsandbox\n-----END PGP PUBLIC KEY BLOCK-----\n",
      );
    if (url.startsWith("/github/")) {
      const file = path.join(this.opts.stateDir, url);
      if (!file.startsWith(path.join(this.opts.stateDir, "github") + path.sep))
        return send(404, "Not Found");
      if (!fs.existsSync(file)) return send(404, "Not Found");
      res.writeHead(200, { "Content-Type": "application/octet-stream" });
      return void res.end(fs.readFileSync(file));
    }
    const leader = /^\/(consul|nomad)\/v1\/status\/leader$/.exec(url);
    if (leader) {
      const unit = leader[1] as string;
      // Not running: the connection is refused (closed here without an answer).
      if (!fs.existsSync(path.join(this.opts.stateDir, "units", `${unit}.active`)))
        return void req.socket.destroy();
      if (this.opts.noLeader?.includes(unit as "consul" | "nomad")) return json(200, "");
      return json(200, `${this.opts.ip}:${unit === "consul" ? 8300 : 4647}`);
    }
    send(404, "Not Found");
  }
}
