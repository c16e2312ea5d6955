/**
 * Client hosts: workloads cannot reach the GCE metadata server (the boot script's firewall,
 * run against a fake iptables and walked packet by packet), and the CNI plugins report the
 * version Nomad's fingerprint reads (the boot script's parse, run against fake plugins, and
 * the TypeScript mirror of Nomad's parse).
 */
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  CNI_BRIDGE_PLUGINS,
  CNI_VERSION,
  nomadCniPluginVersion,
} from "../components/cluster/cniPlugins";
import { renderStartupScript, StartupScriptInput } from "../components/cluster/startupScript";
import { testAgent } from "./harness/agent";
import {
  installFakeIptables,
  IptablesState,
  Packet,
  readIptables,
  verdict,
} from "./harness/fakeIptables";

const LIB = path.join(__dirname, "..", "components", "cluster", "startup", "lib.sh");

const CLIENT: StartupScriptInput = {
  role: "client",
  agent: testAgent({ project: "p-1" }),
  consulVersion: "1.22.6",
  nomadVersion: "1.10.3",
  secrets: {
    caCert: "a",
    tlsCert: "b",
    tlsKey: "c",
    consulGossipKey: "d",
    consulAgentToken: "e",
    consulDnsToken: "f",
    nomadConsulToken: "g",
  },
};

/** The firewall script lib.sh installs (its `<<'SH'` heredoc). */
function firewallScript(): string {
  const m = /<<'SH'\n([\s\S]*?)\nSH\n/.exec(fs.readFileSync(LIB, "utf8"));
  if (!m?.[1]) throw new Error("no firewall heredoc in lib.sh");
  return `${m[1]}\n`;
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "iso-"));
}

/** Runs a bash snippet with `bin` first on PATH. */
function sh(bin: string, script: string, env: Record<string, string> = {}) {
  return spawnSync("bash", ["-c", script], {
    encoding: "utf8",
    env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH ?? ""}` },
  });
}

const BUILTIN: IptablesState = {
  policies: { INPUT: "ACCEPT", OUTPUT: "ACCEPT", FORWARD: "DROP" },
  chains: { INPUT: [], OUTPUT: [], FORWARD: [] },
};

/** What Docker (20.10) and a Nomad bridge allocation (CNI firewall plugin) add, via iptables. */
const DOCKER_AND_NOMAD = `
iptables -N DOCKER-USER 2>/dev/null || true
iptables -C DOCKER-USER -j RETURN 2>/dev/null || iptables -A DOCKER-USER -j RETURN
iptables -N DOCKER 2>/dev/null || true
iptables -I FORWARD 1 -j DOCKER-USER
iptables -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
iptables -A FORWARD -o docker0 -j DOCKER
iptables -A FORWARD -i docker0 ! -o docker0 -j ACCEPT
iptables -N CNI-FORWARD 2>/dev/null || true
iptables -N NOMAD-ADMIN 2>/dev/null || true
iptables -I FORWARD 1 -m comment --comment CNI-firewall-plugin-rules -j CNI-FORWARD
iptables -I CNI-FORWARD 1 -m comment --comment CNI-firewall-plugin-admin-overrides -j NOMAD-ADMIN
iptables -A CNI-FORWARD -s 172.26.64.5/32 -j ACCEPT
iptables -A CNI-FORWARD -d 172.26.64.5/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
iptables -A NOMAD-ADMIN -o nomad -d 172.26.64.0/20 -j ACCEPT
`;

const alloc = (dst: string, proto: "tcp" | "udp", dport: number): Packet => ({
  src: "172.26.64.5",
  dst,
  proto,
  dport,
  in: "nomad",
  out: "ens4",
});
const dockerTask = (dst: string, dport: number): Packet => ({
  src: "172.17.0.2",
  dst,
  proto: "tcp",
  dport,
  in: "docker0",
  out: "ens4",
});

describe.each([
  ["first boot: Docker and an allocation exist before the script runs", "before"],
  ["reboot: the unit runs before Docker and Nomad add their chains", "after"],
])("metadata server blocked for workloads (%s)", (_name, order) => {
  let state: IptablesState;
  let dir: string;
  let stateFile: string;
  beforeAll(() => {
    dir = tmp();
    stateFile = path.join(dir, "state.json");
    installFakeIptables(dir, stateFile, BUILTIN);
    const script = path.join(dir, "hashistack-workload-firewall");
    fs.writeFileSync(script, firewallScript(), { mode: 0o755 });
    const steps = order === "before" ? [DOCKER_AND_NOMAD, script] : [script, DOCKER_AND_NOMAD];
    for (const step of steps) {
      const r = sh(dir, step);
      expect([step.slice(0, 30), r.status, r.stderr]).toEqual([step.slice(0, 30), 0, ""]);
    }
    state = readIptables(stateFile);
  });

  test.each([
    ["Nomad bridge alloc -> metadata HTTP (80)", "REJECT", alloc("169.254.169.254", "tcp", 80)],
    ["Nomad bridge alloc -> metadata HTTPS (443)", "REJECT", alloc("169.254.169.254", "tcp", 443)],
    ["Nomad bridge alloc -> metadata 8080", "REJECT", alloc("169.254.169.254", "tcp", 8080)],
    ["Docker default bridge -> metadata HTTP", "REJECT", dockerTask("169.254.169.254", 80)],
    ["Nomad bridge alloc -> VPC resolver (udp 53)", "ACCEPT", alloc("169.254.169.254", "udp", 53)],
    ["Nomad bridge alloc -> the internet", "ACCEPT", alloc("142.250.0.1", "tcp", 443)],
    ["Docker default bridge -> the internet", "ACCEPT", dockerTask("142.250.0.1", 443)],
  ])("%s: %s", (_label, expected, packet) => {
    expect(verdict(state, "FORWARD", packet)).toBe(expected);
  });

  test("the agents' own requests (OUTPUT) and inbound traffic are untouched", () => {
    expect(state.chains.OUTPUT).toEqual([]);
    expect(state.chains.INPUT).toEqual([]);
    const host: Packet = { ...alloc("169.254.169.254", "tcp", 80), src: "10.2.0.5", in: "" };
    expect(verdict(state, "OUTPUT", host)).toBe("ACCEPT");
  });

  test("re-running the script (every boot) leaves exactly the same rules", () => {
    const again = sh(dir, path.join(dir, "hashistack-workload-firewall"));
    expect(again.status).toBe(0);
    expect(readIptables(stateFile)).toEqual(state);
    for (const parent of ["NOMAD-ADMIN", "DOCKER-USER"]) {
      const jumps = (state.chains[parent] ?? []).filter((r) => r.includes("HASHISTACK-METADATA"));
      expect([parent, jumps]).toEqual([parent, [["-j", "HASHISTACK-METADATA"]]]);
      // First in the admin chain: before Nomad's own ACCEPT and Docker's RETURN.
      expect(state.chains[parent]?.[0]).toEqual(["-j", "HASHISTACK-METADATA"]);
    }
  });
});

describe("the firewall is installed on clients only, as a unit Docker and Nomad require", () => {
  test("client script calls it right after preparing the host; server script never", () => {
    const client = renderStartupScript(CLIENT);
    const lines = client.split("\n");
    expect(lines.indexOf("block_metadata_for_workloads")).toBe(
      lines.indexOf("prepare_client_host") + 1,
    );
    expect(lines.indexOf("block_metadata_for_workloads")).toBeLessThan(
      lines.indexOf("start_services"),
    );
    const server = renderStartupScript({
      ...CLIENT,
      role: "server",
      secrets: {
        ...CLIENT.secrets,
        nomadGossipKey: "h",
        consulManagementToken: "i",
        nomadManagementToken: "j",
        consulClientAgentToken: "k",
      },
      accessors: {
        serverAgent: "1",
        clientAgent: "2",
        dns: "3",
        nomadServer: "4",
        nomadClient: "5",
      },
    });
    expect(server.split("\n")).not.toContain("block_metadata_for_workloads");
  });
  test("the unit runs before and is required by docker and nomad", () => {
    const unit = /<<'UNIT'\n([\s\S]*?)\nUNIT\n/.exec(fs.readFileSync(LIB, "utf8"))?.[1] ?? "";
    expect(unit).toContain("Before=docker.service nomad.service");
    expect(unit).toContain("RequiredBy=docker.service nomad.service");
    expect(unit).toContain("Type=oneshot");
    expect(unit).toContain("ExecStart=/usr/local/sbin/hashistack-workload-firewall");
  });
});

/** Outputs of a CNI plugin run with no arguments (skel.PluginMain's "about" text). */
const UPSTREAM = `CNI bridge plugin v${CNI_VERSION}\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\n`;
const DEBIAN =
  "CNI bridge plugin version unknown\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0\n";

/** Writes an executable that prints `out` (and exits with `code`). */
function fakePlugin(dir: string, name: string, out: string, code = 0): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/usr/bin/env bash\nprintf '%s' '${out}' >&2\nexit ${code}\n`, {
    mode: 0o755,
  });
  return file;
}

/** Runs lib.sh functions with the rendered header's settings (some overridden). */
function lib(dir: string, body: string, overrides: Record<string, string> = {}) {
  const script = renderStartupScript(CLIENT);
  // The header, report.sh (log, fail, BOOT_TMP and its traps) and the function library
  // only: everything up to the first top-level call, the report of the first boot step.
  const firstCall = /^boot_step .*$/m.exec(script);
  if (!firstCall) throw new Error("the rendered script reports no boot step");
  let defs = script.slice(0, firstCall.index);
  for (const [k, v] of Object.entries({ CNI_DIR: `${dir}/cni`, ...overrides })) {
    defs = defs.replace(new RegExp(`^readonly ${k}=.*$`, "m"), `readonly ${k}='${v}'`);
  }
  const file = path.join(dir, "run.sh");
  fs.writeFileSync(file, `${defs}\n${body}\n`);
  return spawnSync("bash", [file], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH ?? ""}` },
  });
}

describe("CNI plugins: the version Nomad's fingerprint reads", () => {
  test("the TypeScript mirror of Nomad's parse: upstream reports its release, Debian passes by accident", () => {
    expect(nomadCniPluginVersion(UPSTREAM)).toBe(`v${CNI_VERSION}`);
    // "version unknown": the first semver token is the last protocol version (no comma).
    expect(nomadCniPluginVersion(DEBIAN)).toBe("1.0.0");
    expect(nomadCniPluginVersion("CNI consul-cni plugin v1.9.1\n")).toBe("v1.9.1");
    expect(nomadCniPluginVersion("no version here\n")).toBe("unknown");
  });

  test("the boot script's parse agrees with Nomad's on each output, and a failing plugin has none", () => {
    const dir = tmp();
    for (const [name, out] of [
      ["upstream", UPSTREAM],
      ["debian", DEBIAN],
      ["cni", "CNI consul-cni plugin v1.9.1\n"],
      ["none", "no version here\n"],
    ] as const) {
      const bin = fakePlugin(dir, name, out);
      const r = lib(dir, `cni_plugin_version ${bin} || echo unknown`);
      expect([name, r.stdout.trim()]).toEqual([name, nomadCniPluginVersion(out)]);
    }
    const broken = fakePlugin(dir, "broken", UPSTREAM, 1);
    expect(lib(dir, `cni_plugin_version ${broken}`).status).toBe(1);
  });

  /** A release tarball of fake plugins printing `out`, and its SHA-256. */
  function tarball(dir: string, out: string): { file: string; sha: string } {
    const src = path.join(dir, "src");
    fs.mkdirSync(src, { recursive: true });
    for (const p of CNI_BRIDGE_PLUGINS) fakePlugin(src, p, out.replace("bridge", p));
    const file = path.join(dir, "cni.tgz");
    execFileSync("tar", ["-czf", file, "-C", src, "."]);
    return { file, sha: crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex") };
  }

  /** Fake curl (copies the tarball to -o) and dpkg (amd64). */
  function fakeTools(dir: string, tgz: string): void {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(
      path.join(bin, "curl"),
      `#!/usr/bin/env bash\nwhile [ $# -gt 0 ]; do [ "$1" = -o ] && cp '${tgz}' "$2"; shift; done\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(bin, "dpkg"), "#!/usr/bin/env bash\necho amd64\n", {
      mode: 0o755,
    });
  }

  test("install: a matching checksum installs plugins that report the pinned release", () => {
    const dir = tmp();
    const { file, sha } = tarball(dir, UPSTREAM);
    fakeTools(dir, file);
    fs.mkdirSync(path.join(dir, "cni"));
    const r = lib(dir, "install_cni_plugins && cni_plugins_pinned && echo ok", {
      CNI_SHA256_AMD64: sha,
    });
    expect([r.status, r.stdout.trim(), r.stderr]).toEqual([0, "ok", ""]);
    expect(fs.readdirSync(path.join(dir, "cni")).sort()).toEqual([...CNI_BRIDGE_PLUGINS].sort());
  });

  test("install: a checksum mismatch installs nothing and says so", () => {
    const dir = tmp();
    const { file } = tarball(dir, UPSTREAM);
    fakeTools(dir, file);
    fs.mkdirSync(path.join(dir, "cni"));
    const r = lib(dir, "install_cni_plugins");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `CNI plugins v${CNI_VERSION} (amd64): checksum mismatch, not installed`,
    );
    expect(fs.readdirSync(path.join(dir, "cni"))).toEqual([]);
  });

  test("install: plugins that print 'version unknown' (Debian's build) are refused", () => {
    const dir = tmp();
    const { file, sha } = tarball(dir, DEBIAN);
    fakeTools(dir, file);
    fs.mkdirSync(path.join(dir, "cni"));
    const r = lib(dir, "install_cni_plugins", { CNI_SHA256_AMD64: sha });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`do not report v${CNI_VERSION} to Nomad's fingerprint`);
  });
});
