/**
 * The startup scripts the program renders, run with bash for real in a sandbox (see
 * tests/harness/boot/sandbox.ts): both roles of both stacks, each booted twice (the second
 * boot is a reboot of the same VM), against a fake metadata server and Secret Manager that
 * serve the values the program generated. Failure paths: tests/bootFailures.test.ts.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BOOT_REPORT_KEYS } from "../components/cluster/bootReport";
import { configDir, leavesDiffering, mergeConsul, mergeNomad } from "./harness/boot/agentMerge";
import {
  callsBySteps,
  expectedFiles,
  guestLines,
  readableBy,
  successfulReport,
} from "./harness/boot/checks";
import { BootFixture, programFixtures } from "./harness/boot/fixture";
import { SHIMS } from "./harness/boot/image";
import { CNI_BRIDGE_PLUGINS } from "../components/cluster/cniPlugins";
import { BootResult, FileEntry, Sandbox, cniPluginStandIn } from "./harness/boot/sandbox";
import { TOOLS, describeWith, testWith } from "./harness/tools";

const NEEDS = [TOOLS.bash, TOOLS.curl, TOOLS.jq];
/** GNU coreutils (`install -D`, `mktemp`) and bash 5 as on the VMs' Debian image. */
const PLATFORMS = ["linux"] as const;
const { hostname, ip } = Sandbox.vm;

/** The JSON the script embeds for `file` (what the program rendered). */
function rendered(script: string, file: string): Record<string, unknown> {
  const m = new RegExp(
    `write_file ${file.replace(/\./g, "\\.")} [^\\n]*<<'JSON'\\n([\\s\\S]*?)\\nJSON\\n`,
  ).exec(script);
  if (!m?.[1]) throw new Error(`the script writes no ${file}`);
  return JSON.parse(m[1]) as Record<string, unknown>;
}

const secretOf = (fx: BootFixture, setting: string): string => {
  const v = fx.secrets.get(fx.settings[setting] ?? "");
  if (v === undefined) throw new Error(`no secret for ${setting}`);
  return v;
};

const SHIMS_FILE = path.join(__dirname, "harness", "boot", "shims.sh");

describe("the sandbox's stand-ins", () => {
  testWith([TOOLS.shellcheck], "pass shellcheck", () => {
    const r = spawnSync("shellcheck", ["-S", "warning", SHIMS_FILE], { encoding: "utf8" });
    expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: "" });
  });

  testWith(
    [TOOLS.bash],
    "consul and nomad calls they do not model fail (127), never succeed silently",
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shims-"));
      try {
        for (const name of ["consul", "nomad"]) fs.symlinkSync(SHIMS_FILE, path.join(dir, name));
        const call = (...argv: string[]) => {
          // $0 is the linked name, as when the script runs the command.
          const r = spawnSync("bash", [path.join(dir, argv[0] as string), ...argv.slice(1)], {
            encoding: "utf8",
            env: { ...process.env, SANDBOX_STATE: dir, HASHISTACK_SYSROOT: dir },
          });
          return { status: r.status, stderr: r.stderr };
        };
        expect(call("consul", "members")).toEqual({
          status: 127,
          stderr: "sandbox: consul members is not modelled (add it to shims.sh)\n",
        });
        expect(call("consul", "acl", "bootstrap")).toEqual({
          status: 127,
          stderr: "sandbox: consul acl bootstrap is not modelled (add it to shims.sh)\n",
        });
        expect(call("nomad", "node", "status")).toEqual({
          status: 127,
          stderr: "sandbox: nomad node status is not modelled (add it to shims.sh)\n",
        });
        // A modelled call still reaches its model (here: the agent is not running).
        expect(call("nomad", "acl", "bootstrap", "/x").status).toBe(1);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  test("every linked name has its branch in shims.sh, and no branch is unlinked", () => {
    const text = fs.readFileSync(SHIMS_FILE, "utf8");
    const dispatch = text.slice(text.lastIndexOf("case $cmd in"));
    const branches = [...dispatch.matchAll(/^\s+([a-z0-9.|\s\\-]+)\)/gm)]
      .flatMap((m) => (m[1] as string).split(/[|\s\\]+/))
      .filter((n) => n !== "");
    expect([...branches].sort()).toEqual([...SHIMS].sort());
  });
});

describeWith(
  NEEDS,
  "startup scripts booted in a sandbox",
  () => {
    describe.each([
      ["dc1", "server"],
      ["dc1", "client"],
      ["dc2", "server"],
      ["dc2", "client"],
    ] as const)("%s %s", (stack, role) => {
      let fx: BootFixture;
      let sb: Sandbox;
      let first: BootResult;
      let second: BootResult;
      let afterFirst: Map<string, FileEntry>;
      let ownersAfterFirst: Map<string, string>;
      let tokensAfterFirst: Record<string, string | undefined>;

      beforeAll(async () => {
        fx = (await programFixtures(stack))[role];
        sb = await Sandbox.create({ fixture: fx });
        first = await sb.boot();
        afterFirst = sb.files();
        ownersAfterFirst = sb.owners();
        tokensAfterFirst = Object.fromEntries(
          sb.stateDir("consul/tokens").map((a) => [a, sb.stateFile(`consul/tokens/${a}`)]),
        );
        sb.reboot();
        second = await sb.boot();
      }, 60_000);
      afterAll(() => sb?.close());

      test("the first boot succeeds and reports each step in order, then ready", () => {
        // A failure shows the serial console's lines.
        expect({ code: first.code, log: first.code === 0 ? [] : first.log.split("\n") }).toEqual({
          code: 0,
          log: [],
        });
        expect(guestLines(first)).toEqual(successfulReport(role));
        // GCE allows about 10 guest-attribute queries a minute per VM.
        expect(first.guestWrites.length).toBeLessThanOrEqual(10);
        expect(sb.fake.guest.get(`hashistack/${BOOT_REPORT_KEYS.status}`)).toBe("ready");
      });

      test("writes its files with the modes, owners and generated values the program set", () => {
        const want = expectedFiles(role);
        const written = [...afterFirst.keys()].filter(
          (p) =>
            /^\/etc\/(hashistack|consul\.d|nomad\.d)\//.test(p) &&
            afterFirst.get(p)?.type === "file",
        );
        expect(written.sort()).toEqual(Object.keys(want).sort());
        for (const [p, w] of Object.entries(want)) {
          const e = afterFirst.get(p) as FileEntry;
          expect({ p, mode: e.mode.toString(8), owner: ownersAfterFirst.get(p) }).toEqual({
            p,
            mode: w.mode.toString(8),
            owner: w.owner,
          });
          if (w.secret) expect(e.content?.trim()).toBe(secretOf(fx, w.secret).trim());
        }
        // The packages' example configs would merge into ours: gone.
        expect(afterFirst.has("/etc/consul.d/consul.hcl")).toBe(false);
        expect(afterFirst.has("/etc/nomad.d/nomad.hcl")).toBe(false);
        expect(afterFirst.get("/etc/apt/sources.list.d/hashicorp.list")?.content).toBe(
          "deb [signed-by=/usr/share/keyrings/hashicorp-archive-keyring.asc] https://apt.releases.hashicorp.com bookworm main\n",
        );
        expect(ownersAfterFirst.get("/opt/hashistack/consul")).toBe("consul:consul");
        if (role === "server") {
          expect(afterFirst.get("/etc/hashistack/secrets")?.mode).toBe(0o750);
          expect(sb.stateFile("mounts")).toBe("/opt/hashistack\n");
          expect(afterFirst.get("/etc/fstab")?.content).toContain(
            "LABEL=hashistack-data /opt/hashistack ext4 defaults,nofail 0 2\n",
          );
        } else {
          // The upstream release the script downloaded, checked and unpacked (the sandbox
          // serves stand-in plugins, see sandbox.ts), not Debian's build.
          for (const p of CNI_BRIDGE_PLUGINS)
            expect({ p, ...afterFirst.get(`/opt/cni/bin/${p}`) }).toEqual({
              p,
              type: "file",
              mode: 0o755,
              content: cniPluginStandIn(p),
            });
          expect(afterFirst.get("/opt/cni/bin/consul-cni")?.type).toBe("link");
          // Workloads cannot reach the metadata server: the oneshot unit ran its script.
          expect(
            afterFirst.get("/etc/systemd/system/hashistack-workload-firewall.service"),
          ).toMatchObject({ mode: 0o644 });
          expect(afterFirst.get("/usr/local/sbin/hashistack-workload-firewall")?.mode).toBe(0o755);
          const rules = (sb.stateFile("iptables/iptables-filter") ?? "").split("\n");
          for (const parent of ["NOMAD-ADMIN", "DOCKER-USER"])
            expect(rules.filter((r) => r === `-A ${parent} -j HASHISTACK-METADATA`)).toHaveLength(
              1,
            );
          expect(rules).toContain(
            "-A HASHISTACK-METADATA -d 169.254.169.254/32 -p tcp -j REJECT --reject-with tcp-reset",
          );
          expect(afterFirst.get("/etc/sysctl.d/60-nomad-bridge.conf")?.content).toContain(
            "net.bridge.bridge-nf-call-iptables = 1",
          );
        }
      });

      test("the agent configs, merged in load order, hold what the program rendered and generated", () => {
        const consulDir = configDir(`${sb.root}/etc/consul.d`);
        const nomadDir = configDir(`${sb.root}/etc/nomad.d`);
        expect(consulDir.files).toEqual(["consul.json", "node.json", "secrets.json"]);
        expect(nomadDir.files).toEqual(["node.json", "nomad.json", "secrets.json"]);
        const consul = mergeConsul(consulDir.configs);
        const nomad = mergeNomad(nomadDir.configs);
        expect(
          leavesDiffering(rendered(fx.script, "/etc/consul.d/consul.json") as never, consul),
        ).toEqual([]);
        expect(
          leavesDiffering(rendered(fx.script, "/etc/nomad.d/nomad.json") as never, nomad),
        ).toEqual([]);
        // Issue 10: the role's own agent token, and a separate DNS token.
        expect(consul).toMatchObject({
          node_name: hostname,
          bind_addr: ip,
          advertise_addr: ip,
          encrypt: secretOf(fx, "SECRET_CONSUL_GOSSIP"),
          acl: {
            tokens: {
              agent: secretOf(fx, "SECRET_CONSUL_AGENT_TOKEN"),
              dns: secretOf(fx, "SECRET_CONSUL_DNS_TOKEN"),
            },
          },
        });
        expect(secretOf(fx, "SECRET_CONSUL_DNS_TOKEN")).not.toBe(
          secretOf(fx, "SECRET_CONSUL_AGENT_TOKEN"),
        );
        expect(nomad).toMatchObject({
          name: hostname,
          advertise: { http: ip, rpc: ip, serf: ip },
          consul: { token: secretOf(fx, "SECRET_NOMAD_CONSUL_TOKEN") },
        });
        if (role === "server") {
          expect((consul.acl as { tokens: Record<string, string> }).tokens.initial_management).toBe(
            secretOf(fx, "SECRET_CONSUL_MGMT"),
          );
          expect(nomad.server).toMatchObject({ encrypt: secretOf(fx, "SECRET_NOMAD_GOSSIP") });
        } else {
          // Issue 10: plaintext gRPC on loopback only (node.json no longer adds the node IP);
          // the API gateway's Envoy reaches the agent over gRPC TLS, with the project-CA cert.
          expect(consul.addresses).toEqual({ grpc: "127.0.0.1" });
          expect(consul.ports).toMatchObject({ grpc: 8502, grpc_tls: 8503 });
          expect((consul.tls as { grpc: Record<string, unknown> }).grpc).toMatchObject({
            cert_file: "/etc/hashistack/tls/agent.pem",
            key_file: "/etc/hashistack/tls/agent-key.pem",
          });
          expect(JSON.stringify(consul)).not.toContain("initial_management");
        }
      });

      test("Consul (running as user consul) can read every file it loads", () => {
        const consul = mergeConsul(configDir(`${sb.root}/etc/consul.d`).configs);
        const tls = (consul.tls as { defaults: Record<string, string> }).defaults;
        const loaded = [
          ...["consul.json", "node.json", "secrets.json"].map((f) => `/etc/consul.d/${f}`),
          ...[tls.ca_file, tls.cert_file, tls.key_file].filter((f): f is string => !!f),
        ];
        for (const f of loaded)
          expect({
            f,
            readable: readableBy("consul", ["consul"], f, afterFirst, ownersAfterFirst),
          }).toEqual({
            f,
            readable: true,
          });
        // ...and nobody else can read the key or the tokens.
        for (const f of ["/etc/hashistack/tls/agent-key.pem", "/etc/consul.d/secrets.json"])
          expect(readableBy("nobody", ["nogroup"], f, afterFirst, ownersAfterFirst)).toBe(false);
      });

      test("calls run in the order packages, host, secrets, configs, services, ACL bootstrap, agent tokens", () => {
        const marked = callsBySteps(first, sb.root);
        for (const m of marked)
          expect({ call: m.call, step: m.step }).toEqual({ call: m.call, step: m.in });
        const order = [...new Set(marked.map((m) => m.in))];
        expect(order).toEqual(
          role === "server"
            ? [
                "packages",
                "host",
                "secrets",
                "configs",
                "services",
                "acl-bootstrap",
                "agent-tokens",
              ]
            : ["packages", "host", "secrets", "configs", "services"],
        );
      });

      test("reads exactly its role's secrets, with its own service account", () => {
        const read = first.calls
          .filter((c) => c.cmd === "http" && c.args[1]?.startsWith("/secretmanager/"))
          .map((c) => /secrets\/([^/]+)\/versions/.exec(c.args[1] as string)?.[1]);
        const named = Object.entries(fx.settings)
          .filter(([k, v]) => k.startsWith("SECRET_") && v !== "")
          .map(([, v]) => v);
        expect([...new Set(read)].sort()).toEqual([...new Set(named)].sort());
        for (const id of named) expect(fx.readers.get(id)?.has(fx.account)).toBe(true);
      });

      test("neither the serial console nor the guest attributes carry a secret value", () => {
        const secretIds = Object.values(fx.settings).filter((v) => /-(key|token|license)$/.test(v));
        const shown = first.log + second.log + JSON.stringify([...sb.fake.guest.values()]);
        for (const id of secretIds) {
          const value = fx.secrets.get(id) as string;
          const probe = value.includes("PRIVATE KEY") ? value.split("\n")[1] : value;
          expect({ id, leaked: shown.includes(probe as string) }).toEqual({ id, leaked: false });
        }
      });

      if (role === "server")
        test("Consul ends up with the agents' tokens the VMs were configured with; Nomad bootstrapped once", () => {
          const s = fx.settings;
          const token = (accessor: string) =>
            sb.stateFile(`consul/tokens/${accessor}`)?.split("\t");
          expect(token(s.ACCESSOR_SERVER_AGENT as string)).toEqual([
            secretOf(fx, "SECRET_CONSUL_AGENT_TOKEN"),
            "hashistack-server-agent",
            "hashistack server agents\n",
          ]);
          expect(token(s.ACCESSOR_CLIENT_AGENT as string)).toEqual([
            secretOf(fx, "SECRET_CONSUL_CLIENT_AGENT_TOKEN"),
            "hashistack-client-agent",
            "hashistack client agents\n",
          ]);
          expect(token(s.ACCESSOR_DNS as string)).toEqual([
            secretOf(fx, "SECRET_CONSUL_DNS_TOKEN"),
            "hashistack-dns",
            "hashistack DNS\n",
          ]);
          expect(token(s.ACCESSOR_NOMAD_SERVER as string)?.slice(0, 2)).toEqual([
            secretOf(fx, "SECRET_NOMAD_CONSUL_TOKEN"),
            "hashistack-nomad-server",
          ]);
          expect(token(s.ACCESSOR_NOMAD_CLIENT as string)?.slice(0, 2)).toEqual([
            secretOf(fx, "SECRET_NOMAD_CLIENT_CONSUL_TOKEN"),
            "hashistack-nomad-client",
          ]);
          expect(sb.stateDir("consul/tokens")).toHaveLength(5);
          expect(sb.stateDir("consul/policies")).toEqual([
            "hashistack-client-agent.json",
            "hashistack-dns.json",
            "hashistack-nomad-client.json",
            "hashistack-nomad-server.json",
            "hashistack-server-agent.json",
          ]);
          // Each policy holds the rules the script rendered for it.
          for (const f of sb.stateDir("consul/policies"))
            expect({ f, rules: sb.stateFile(`consul/policies/${f}`) }).toEqual({
              f,
              rules: afterFirst.get(`/etc/hashistack/policies/${f}`)?.content,
            });
          expect(sb.stateFile("nomad/bootstrap")).toBe(secretOf(fx, "SECRET_NOMAD_MGMT"));
        });

      test("a reboot changes no file, mode or owner and repeats no one-time step", () => {
        expect(second.code).toBe(0);
        expect(guestLines(second)).toEqual(successfulReport(role));
        expect(sb.files()).toEqual(afterFirst);
        expect(sb.owners()).toEqual(ownersAfterFirst);
        const ran = second.calls.map((c) => [c.cmd, ...c.args].join(" "));
        const oneTime = ran.filter((c) =>
          /^(install|mkfs\.ext4|gpg|apt-get install|apt-get update|consul acl (policy|token) create) /.test(
            `${c} `,
          ),
        );
        expect(oneTime).toEqual([]);
        // Unchanged configs: the agents are started (a no-op when running), never restarted;
        // so is the clients' firewall unit (a restart would restart Docker and Nomad, which
        // require it).
        expect(
          ran.filter((c) => c.startsWith("systemctl start") || c.startsWith("systemctl restart")),
        ).toEqual([
          ...(role === "client" ? ["systemctl start hashistack-workload-firewall.service"] : []),
          "systemctl start consul",
          "systemctl start nomad",
        ]);
        // Existing policies are brought up to date with the rendered rules, never re-created.
        if (role === "server")
          expect(ran.filter((c) => c.startsWith("consul acl policy update"))).toHaveLength(5);
        expect(
          Object.fromEntries(
            sb.stateDir("consul/tokens").map((a) => [a, sb.stateFile(`consul/tokens/${a}`)]),
          ),
        ).toEqual(tokensAfterFirst);
        if (role === "server")
          expect(ran.filter((c) => c.startsWith("nomad acl bootstrap"))).toHaveLength(1);
      });
    });

    describe("dc1 server with Enterprise licenses", () => {
      const licenses = {
        "hashistack:consulLicense": "consul-license-text",
        "hashistack:nomadLicense": "nomad-license-text",
      };
      let sb: Sandbox;
      let run: BootResult;
      let fx: BootFixture;
      beforeAll(async () => {
        fx = (await programFixtures("dc1", licenses)).server;
        sb = await Sandbox.create({ fixture: fx });
        run = await sb.boot();
      }, 60_000);
      afterAll(() => sb?.close());

      test("installs the Enterprise packages and writes the licenses where the agents read them", () => {
        expect(run.code).toBe(0);
        const specs = (fx.settings.PACKAGES as string).split(" ");
        expect(specs.map((s) => s.split("=")[0])).toEqual([
          "consul-enterprise",
          "nomad-enterprise",
        ]);
        const installed = (sb.stateFile("dpkg") ?? "").split("\n");
        for (const spec of specs) expect(installed).toContain(spec.replace("=", "\t"));
        const files = sb.files();
        const owners = sb.owners();
        expect(files.get("/etc/consul.d/license.hclic")).toMatchObject({
          mode: 0o640,
          content: "consul-license-text\n",
        });
        expect(owners.get("/etc/consul.d/license.hclic")).toBe("root:consul");
        expect(files.get("/etc/nomad.d/license.hclic")).toMatchObject({
          mode: 0o600,
          content: "nomad-license-text\n",
        });
        const consul = mergeConsul(configDir(`${sb.root}/etc/consul.d`).configs);
        expect(readableBy("consul", ["consul"], consul.license_path as string, files, owners)).toBe(
          true,
        );
      });
    });
  },
  PLATFORMS,
);
