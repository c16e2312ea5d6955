/**
 * Runs a rendered startup script with bash for real, as a VM would, in a sandbox:
 * - every file lands under a temporary root (`HASHISTACK_SYSROOT`, the script's test-only
 *   prefix); the script runs as an unprivileged user (as `nobody` when the tests run as
 *   root, as in CI), so a write outside the root fails instead of touching the machine;
 * - PATH holds only the stand-ins of shims.sh and a short list of real, harmless tools
 *   (coreutils, grep, awk, jq, base64): a command with neither is "not found";
 * - the metadata server, Secret Manager and the agents' HTTP endpoints are a FakeGce, which
 *   also serves a stand-in of the upstream CNI plugins release (see cniRelease below).
 * A sandbox keeps its state between boots, so a second boot is a reboot of the same VM.
 */
import { execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import {
  CNI_BRIDGE_PLUGINS,
  CNI_SHA256,
  CNI_VERSION,
} from "../../../components/cluster/cniPlugins";
import { findTool } from "../tools";
import { FakeGce, GuestWrite } from "./fakeGce";
import { BootFixture } from "./fixture";
import { REAL_TOOLS, SHIMS, baseImage, publishedPackages } from "./image";

/** The unprivileged account the script runs as when the tests run as root. */
const NOBODY = 65534;

/** One recorded call: a shim's name and arguments, or `http` with method and path. */
export interface Call {
  cmd: string;
  args: string[];
}

/** What one boot produced. */
export interface BootResult {
  /** Exit status of the script (null: killed by the timeout). */
  code: number | null;
  /** stdout + stderr: what the serial console shows. */
  log: string;
  calls: Call[];
  /** Guest-attribute writes during this boot. */
  guestWrites: GuestWrite[];
}

/** One entry of the root file tree. */
export interface FileEntry {
  type: "file" | "dir" | "link";
  mode: number;
  /** File content, or a link's target. */
  content?: string;
}

/** Options of a sandbox. */
export interface SandboxOptions {
  fixture: BootFixture;
  /** Failures the shims inject (e.g. `unit:consul`), see shims.sh `fails`. */
  fail?: string[];
  /** Agents that never elect a leader (see FakeGceOptions.noLeader). */
  noLeader?: ("consul" | "nomad")[];
  /** The metadata server does not answer (connection refused). */
  metadataDown?: boolean;
  /** Guest attributes enabled on the instance (default true). */
  guestAttributes?: boolean;
  /** Override secret values or remove their version (undefined). */
  secrets?: Record<string, string | undefined>;
  /** Secrets whose grant to this VM's service account is withdrawn. */
  revoke?: string[];
}

/**
 * A stand-in CNI plugin of the upstream release: run with no arguments it prints skel's
 * "about" text (on stderr), whose first semantic-version token is the release, which is what
 * Nomad's fingerprint and the script's cni_plugins_pinned read.
 */
export function cniPluginStandIn(plugin: string): string {
  return (
    "#!/usr/bin/env bash\n" +
    `printf 'CNI ${plugin} plugin v${CNI_VERSION}\\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\\n' >&2\n`
  );
}

/** Where the release is downloaded from, as the script builds the URL (amd64). */
export const CNI_RELEASE_PATH = `containernetworking/plugins/releases/download/v${CNI_VERSION}/cni-plugins-linux-amd64-v${CNI_VERSION}.tgz`;

/**
 * The sandbox has no internet: the script downloads the CNI release from the fake, which
 * serves a tarball of stand-in plugins laid out like upstream's (`./bridge`, ...). Its
 * SHA-256 is not upstream's, so the sandbox's copy of the script pins this tarball's
 * checksum instead (pinCniChecksum); everything else about the download, the check and
 * the extraction runs as on a VM. Returns the tarball's SHA-256.
 */
function cniRelease(stateDir: string): string {
  const src = path.join(stateDir, "cni-release");
  fs.mkdirSync(src, { recursive: true });
  for (const p of CNI_BRIDGE_PLUGINS)
    fs.writeFileSync(path.join(src, p), cniPluginStandIn(p), { mode: 0o755 });
  const file = path.join(stateDir, "github", CNI_RELEASE_PATH);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  execFileSync("tar", ["-czf", file, "-C", src, "."]);
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/**
 * The script with the pinned upstream amd64 checksum replaced by the stand-in release's
 * (test copy only; the rendered script must pin upstream's, checked here). Same line count,
 * so line numbers in ERR-trap messages still match the rendered script.
 */
export function pinCniChecksum(script: string, sha256: string): string {
  const pinned = `readonly CNI_SHA256_AMD64='${CNI_SHA256.amd64}'`;
  if (!script.includes("install_cni_plugins")) return script;
  if (!script.split("\n").includes(pinned))
    throw new Error(`the script does not pin the upstream CNI release: no line ${pinned}`);
  return script.replace(pinned, `readonly CNI_SHA256_AMD64='${sha256}'`);
}

const HOSTNAME = "sandbox-vm-0001";
const IP = "10.128.0.7";

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A temporary VM: root file tree, shim state, fake GCE; boots its startup script. */
export class Sandbox {
  readonly root: string;
  readonly state: string;
  readonly fake: FakeGce;
  private readonly dirs: Record<"bin" | "tools" | "real" | "tmp" | "home", string>;
  private metadataUrl = "";

  private constructor(
    readonly dir: string,
    readonly opts: SandboxOptions,
  ) {
    this.root = path.join(dir, "root");
    this.state = path.join(dir, "state");
    this.dirs = {
      bin: path.join(dir, "bin"),
      tools: path.join(dir, "tools"),
      real: path.join(dir, "real"),
      tmp: path.join(dir, "tmp"),
      home: path.join(dir, "home"),
    };
    const secrets = new Map(opts.fixture.secrets);
    for (const [k, v] of Object.entries(opts.secrets ?? {}))
      if (v === undefined) secrets.delete(k);
      else secrets.set(k, v);
    const readers = new Map(
      [...opts.fixture.readers].map(([id, who]) => [
        id,
        new Set(
          [...who].filter((a) => !(opts.revoke ?? []).includes(id) || a !== opts.fixture.account),
        ),
      ]),
    );
    this.fake = new FakeGce({
      project: opts.fixture.project,
      account: opts.fixture.account,
      secrets,
      readers,
      ip: IP,
      stateDir: this.state,
      ...(opts.guestAttributes === false ? { guestAttributes: false } : {}),
      ...(opts.noLeader ? { noLeader: opts.noLeader } : {}),
    });
  }

  /** Builds the sandbox and starts its fake GCE. */
  static async create(opts: SandboxOptions): Promise<Sandbox> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "boot-sandbox-"));
    const sb = new Sandbox(dir, opts);
    sb.layout();
    await sb.fake.start();
    sb.metadataUrl = opts.metadataDown
      ? `http://127.0.0.1:${await closedPort()}`
      : `${sb.fake.url}/metadata`;
    return sb;
  }

  /** The VM's service account, IP and host name as the script sees them. */
  static readonly vm = { hostname: HOSTNAME, ip: IP };

  private layout(): void {
    const { fixture } = this.opts;
    for (const d of Object.values(this.dirs)) fs.mkdirSync(d, { recursive: true });
    for (const [rel, content] of Object.entries(baseImage(fixture.role))) {
      const p = path.join(this.root, rel);
      fs.mkdirSync(content === null ? p : path.dirname(p), { recursive: true });
      if (content !== null) fs.writeFileSync(p, content);
    }

    fs.mkdirSync(path.join(this.state, "apt"), { recursive: true });
    fs.writeFileSync(path.join(this.state, "apt", "repo"), publishedPackages().join("\n") + "\n");
    const ca = fixture.secrets.get(fixture.settings.SECRET_CA_CERT ?? "");
    if (ca === undefined) throw new Error("fixture has no CA secret");
    fs.writeFileSync(path.join(this.state, "expected-ca.pem"), ca.replace(/\n+$/, "") + "\n");
    fs.writeFileSync(path.join(this.state, "calls.log"), "");
    fs.writeFileSync(path.join(this.state, "owners"), "");

    const shim = path.join(this.dirs.bin, ".shims.sh");
    fs.copyFileSync(path.join(__dirname, "shims.sh"), shim);
    fs.chmodSync(shim, 0o755);
    for (const name of SHIMS) fs.symlinkSync(".shims.sh", path.join(this.dirs.bin, name));
    for (const name of REAL_TOOLS) {
      const real = findTool(name);
      if (real) fs.symlinkSync(real, path.join(this.dirs.tools, name));
    }
    for (const name of ["curl", "install"]) {
      const real = findTool(name);
      if (!real) throw new Error(`${name} is needed by the boot sandbox`);
      fs.symlinkSync(real, path.join(this.dirs.real, name));
    }
    const cniSha = cniRelease(this.state);
    fs.writeFileSync(
      path.join(this.dir, "startup-script.sh"),
      pinCniChecksum(fixture.script, cniSha),
    );
    if (process.getuid?.() === 0) chownTree(this.dir, NOBODY);
  }

  /** Runs the startup script once (a boot). */
  async boot(timeoutMs = 20_000): Promise<BootResult> {
    const calls = path.join(this.state, "calls.log");
    fs.writeFileSync(calls, "");
    const writesBefore = this.fake.guestWrites.length;
    const bash = findTool("bash") as string;
    const env = {
      PATH: `${this.dirs.bin}:${this.dirs.tools}`,
      HOME: this.dirs.home,
      TMPDIR: this.dirs.tmp,
      LANG: "C.UTF-8",
      HASHISTACK_SYSROOT: this.root,
      SANDBOX_STATE: this.state,
      SANDBOX_REAL: this.dirs.real,
      SANDBOX_FAKE_URL: this.fake.url,
      SANDBOX_METADATA_URL: this.metadataUrl,
      SANDBOX_HOSTNAME: HOSTNAME,
      SANDBOX_FAIL: (this.opts.fail ?? []).join(","),
    };
    const asRoot = process.getuid?.() === 0;
    const child = spawn(
      bash,
      // The guest agent runs the script with root's umask 022.
      ["-c", 'umask 022 && exec "$0" "$1"', bash, path.join(this.dir, "startup-script.sh")],
      { env, cwd: this.dirs.home, ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}) },
    );
    let log = "";
    child.stdout.on("data", (c: Buffer) => (log += c.toString()));
    child.stderr.on("data", (c: Buffer) => (log += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(timer);
    return {
      code,
      log,
      calls: parseCalls(fs.readFileSync(calls, "utf8")),
      guestWrites: this.fake.guestWrites.slice(writesBefore),
    };
  }

  /**
   * A reboot: processes and mounts are gone; systemd starts the enabled units (those whose
   * config condition holds) and mounts fstab's entries; /tmp is empty. Disks, files and the
   * cluster's state (ACLs, on the servers' data disks) stay.
   */
  reboot(): void {
    const units = path.join(this.state, "units");
    if (fs.existsSync(units)) {
      for (const f of fs.readdirSync(units))
        if (f.endsWith(".active")) fs.rmSync(path.join(units, f));
      for (const f of fs.readdirSync(units)) {
        const unit = f.replace(/\.enabled$/, "");
        if (!f.endsWith(".enabled")) continue;
        const cfg = path.join(this.root, `etc/${unit}.d/${unit}.json`);
        if (!["consul", "nomad"].includes(unit) || fs.existsSync(cfg))
          this.touchAsScriptUser(path.join(units, `${unit}.active`));
      }
    }
    const mounts: string[] = [];
    const fstab = fs.readFileSync(path.join(this.root, "etc/fstab"), "utf8");
    const disk = path.join(this.root, "dev/disk/by-id/google-data");
    for (const line of fstab.split("\n")) {
      const [spec, dir] = line.trim().split(/\s+/);
      if (spec?.startsWith("LABEL=") && dir && fs.existsSync(disk))
        if (fs.readFileSync(disk, "utf8").includes(spec)) mounts.push(dir);
    }
    fs.writeFileSync(path.join(this.state, "mounts"), mounts.map((m) => `${m}\n`).join(""));
    fs.rmSync(this.dirs.tmp, { recursive: true, force: true });
    fs.mkdirSync(this.dirs.tmp);
    if (process.getuid?.() === 0) chownTree(this.dir, NOBODY);
  }

  private touchAsScriptUser(p: string): void {
    fs.writeFileSync(p, "");
  }

  /** The root file tree: path (as on the VM) -> type, mode, content. */
  files(): Map<string, FileEntry> {
    const out = new Map<string, FileEntry>();
    const walk = (abs: string) => {
      for (const name of fs.readdirSync(abs).sort()) {
        const p = path.join(abs, name);
        const rel = p.slice(this.root.length);
        const st = fs.lstatSync(p);
        const mode = st.mode & 0o7777;
        if (st.isSymbolicLink()) out.set(rel, { type: "link", mode, content: fs.readlinkSync(p) });
        else if (st.isDirectory()) {
          out.set(rel, { type: "dir", mode });
          walk(p);
        } else out.set(rel, { type: "file", mode, content: fs.readFileSync(p, "utf8") });
      }
    };
    walk(this.root);
    return out;
  }

  /** Owner of a path as the shims recorded it (install -o/-g, chown); root:root otherwise. */
  owners(): Map<string, string> {
    const out = new Map<string, string>();
    for (const line of fs.readFileSync(path.join(this.state, "owners"), "utf8").split("\n")) {
      const [p, o] = line.split("\t");
      if (p && o) out.set(p, o);
    }
    return out;
  }

  /** A file of the shims' state (ACLs, packages), or undefined. */
  stateFile(rel: string): string | undefined {
    const p = path.join(this.state, rel);
    return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined;
  }

  /** Lists a state directory (e.g. `consul/tokens`). */
  stateDir(rel: string): string[] {
    const p = path.join(this.state, rel);
    return fs.existsSync(p) ? fs.readdirSync(p).sort() : [];
  }

  async close(): Promise<void> {
    await this.fake.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function chownTree(p: string, id: number): void {
  fs.lchownSync(p, id, id);
  if (fs.lstatSync(p).isDirectory())
    for (const name of fs.readdirSync(p)) chownTree(path.join(p, name), id);
}

/** calls.log lines: tab-separated name and arguments (newlines escaped as `\n`). */
export function parseCalls(text: string): Call[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const [cmd, ...args] = l.split("\t");
      return { cmd: cmd as string, args: args.map((a) => a.replace(/\\n/g, "\n")) };
    });
}
