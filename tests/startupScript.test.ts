import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  ConsulAgentConfig,
  NomadAgentConfig,
  consulConfig,
  nomadConfig,
} from "../components/cluster/agentConfig";
import { stableJson } from "../components/config/stableJson";
import {
  agentPolicies,
  packageSpec,
  renderStartupScript,
  scriptBody,
  shellQuote,
  StartupScriptInput,
} from "../components/cluster/startupScript";
import { testAgent } from "./harness/agent";
import { runProgram } from "./harness/program";
import { TOOLS, testWith } from "./harness/tools";

// bash and shellcheck may be missing on a developer's machine: those tests then say so
// (and how to install them) instead of failing; in CI (CI=true) they are mandatory.
const LINT = [TOOLS.bash, TOOLS.shellcheck];

const agent = testAgent();
const serverSecrets = {
  caCert: "dc1-ca-cert",
  tlsCert: "dc1-server-tls-cert",
  tlsKey: "dc1-server-tls-key",
  consulGossipKey: "dc1-consul-gossip-key",
  consulAgentToken: "dc1-consul-server-agent-token",
  consulDnsToken: "dc1-consul-dns-token",
  consulClientAgentToken: "dc1-consul-client-agent-token",
  nomadConsulToken: "dc1-nomad-server-consul-token",
  nomadGossipKey: "dc1-nomad-gossip-key",
  consulManagementToken: "dc1-consul-management-token",
  nomadManagementToken: "dc1-nomad-management-token",
  nomadClientConsulToken: "dc1-nomad-client-consul-token",
};
const server: StartupScriptInput = {
  role: "server",
  agent,
  consulVersion: "1.22.6",
  nomadVersion: "1.10.3",
  secrets: serverSecrets,
  accessors: {
    serverAgent: "a1",
    clientAgent: "a4",
    dns: "a5",
    nomadServer: "a2",
    nomadClient: "a3",
  },
};
const client: StartupScriptInput = {
  role: "client",
  agent,
  consulVersion: "1.22.6",
  nomadVersion: "1.10.3",
  secrets: {
    ...serverSecrets,
    tlsCert: "dc1-client-tls-cert",
    tlsKey: "dc1-client-tls-key",
    consulAgentToken: "dc1-consul-client-agent-token",
    consulClientAgentToken: undefined,
    nomadConsulToken: "dc1-nomad-client-consul-token",
  },
};

/** The JSON a script writes to `file` (between `write_file <file> ... <<'JSON'` and `JSON`). */
function embeddedJson<T>(script: string, file: string): T {
  const m = new RegExp(
    `write_file ${file.replace(/[.]/g, "\\.")} [^\\n]*<<'JSON'\\n([\\s\\S]*?)\\nJSON\\n`,
  ).exec(script);
  if (!m?.[1]) throw new Error(`no embedded ${file}`);
  return JSON.parse(m[1]) as T;
}

function shellcheck(script: string): { status: number | null; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sc-"));
  const file = path.join(dir, "script.sh");
  fs.writeFileSync(file, script);
  const r = spawnSync("shellcheck", ["-S", "warning", "-s", "bash", file], { encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe.each([
  ["server", server],
  ["client", client],
])("%s startup script", (_role, input) => {
  const script = renderStartupScript(input);

  testWith(LINT, "passes bash -n and shellcheck at warning level", () => {
    execFileSync("bash", ["-n"], { input: script });
    expect(shellcheck(script)).toEqual({ status: 0, out: "" });
  });

  test("is strict, idempotent by construction, and carries secret names only", () => {
    expect(script.startsWith("#!/usr/bin/env bash\n")).toBe(true);
    expect(script).toContain("set -euo pipefail");
    expect(script).toContain(`readonly SECRET_CONSUL_GOSSIP='dc1-consul-gossip-key'`);
    expect(script).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    expect(script).not.toContain("BEGIN");
  });

  test("agent configs parse as JSON and equal the typed builders' output", () => {
    expect(embeddedJson(script, "/etc/consul.d/consul.json")).toEqual(
      JSON.parse(stableJson(consulConfig(input.role, agent))),
    );
    expect(embeddedJson(script, "/etc/nomad.d/nomad.json")).toEqual(
      JSON.parse(stableJson(nomadConfig(input.role, agent))),
    );
  });

  test("reads secrets through the Secret Manager REST API with the VM's own token (no SDK on the image)", () => {
    expect(script).toContain("computeMetadata/v1/instance/service-accounts/default/token");
    expect(script).toContain(
      "https://secretmanager.googleapis.com/v1/projects/$PROJECT/secrets/$1/versions/latest:access",
    );
    expect(script).not.toContain("gcloud");
  });

  test("installs the pinned OSS packages from the HashiCorp repository", () => {
    expect(script).toContain(
      "readonly PACKAGES='consul=1.22.6-1 nomad=1.10.3-1" +
        (input.role === "client" ? " docker.io consul-cni'" : "'"),
    );
    expect(script).toContain("https://apt.releases.hashicorp.com");
  });
});

describe("Consul agent config", () => {
  const s = consulConfig("server", agent);
  const c = consulConfig("client", agent);

  test("servers: TLS with verified outgoing and server hostname, HTTPS 8501, gRPC TLS 8503, ACL deny", () => {
    expect(s).toMatchObject<Partial<ConsulAgentConfig>>({
      datacenter: "dc1",
      server: true,
      bootstrap_expect: 3,
      retry_join: [
        'provider=gce project_name=my-project-1 tag_value=dc1-server zone_pattern="europe-west1-[a-z]"',
      ],
      ports: { http: -1, https: 8501, grpc: 8502, grpc_tls: 8503, dns: 8600 },
      addresses: { grpc: "127.0.0.1" },
      auto_encrypt: { allow_tls: true },
      acl: {
        enabled: true,
        default_policy: "deny",
        down_policy: "extend-cache",
        enable_token_persistence: true,
      },
      connect: { enabled: true },
      peering: { enabled: true },
    });
    expect(s.tls.defaults).toMatchObject({
      verify_outgoing: true,
      cert_file: "/etc/hashistack/tls/agent.pem",
    });
    expect(s.tls.internal_rpc).toEqual({ verify_incoming: true, verify_server_hostname: true });
    expect(s.license_path).toBeUndefined();
  });

  // Issue 10: clients used to serve HTTPS with the auto-encrypt certificate (Connect CA),
  // which Nomad and Envoy bootstraps reject; their listeners now present the project-CA
  // client certificate, RPC keeps the auto-encrypt identity.
  test("clients: auto-encrypt for RPC, project-CA certificate on HTTPS and gRPC TLS, plaintext gRPC on loopback", () => {
    expect(c.ports).toEqual({ http: -1, https: 8501, grpc: 8502, grpc_tls: 8503, dns: 8600 });
    expect(c.recursors).toEqual(["169.254.169.254"]);
    expect(c.addresses).toEqual({ grpc: "127.0.0.1" });
    expect(c.server).toBe(false);
    expect(c.bootstrap_expect).toBeUndefined();
    expect(c.auto_encrypt).toEqual({ tls: true });
    expect(c.tls.defaults.cert_file).toBeUndefined();
    const listener = {
      verify_incoming: false,
      cert_file: "/etc/hashistack/tls/agent.pem",
      key_file: "/etc/hashistack/tls/agent-key.pem",
    };
    expect(c.tls.https).toEqual(listener);
    expect(c.tls.grpc).toEqual(listener);
    expect(c.tls.internal_rpc.verify_server_hostname).toBe(true);
    expect(c.leave_on_terminate).toBe(true);
  });

  test("Enterprise license path only with a license", () => {
    expect(consulConfig("server", { ...agent, consulEnterprise: true }).license_path).toBe(
      "/etc/consul.d/license.hclic",
    );
  });
});

describe("Nomad agent config", () => {
  test("servers: mTLS RPC, HTTPS API, ACLs, workload identities for Consul", () => {
    const n = nomadConfig("server", agent);
    expect(n).toMatchObject<Partial<NomadAgentConfig>>({
      datacenter: "dc1",
      acl: { enabled: true },
      server: {
        enabled: true,
        bootstrap_expect: 3,
        server_join: { retry_join: [expect.stringContaining("provider=gce") as string] },
      },
      tls: {
        http: true,
        rpc: true,
        ca_file: "/etc/hashistack/tls/ca.pem",
        cert_file: "/etc/hashistack/tls/agent.pem",
        key_file: "/etc/hashistack/tls/agent-key.pem",
        verify_server_hostname: true,
        verify_https_client: false,
      },
    });
    expect(n.consul).toEqual({
      address: "127.0.0.1:8501",
      ssl: true,
      ca_file: "/etc/hashistack/tls/ca.pem",
      grpc_address: "127.0.0.1:8502",
      service_identity: { aud: ["consul.io"], ttl: "1h" },
      task_identity: { aud: ["consul.io"], ttl: "1h" },
    });
    expect(n.client).toBeUndefined();
  });

  test("clients: CNI path, bridge range from config, nothing else", () => {
    const n = nomadConfig("client", agent);
    expect(n.client).toEqual({
      enabled: true,
      server_join: { retry_join: [expect.stringContaining("tag_value=dc1-server") as string] },
      cni_path: "/opt/cni/bin",
      bridge_network_subnet: "172.26.64.0/20",
    });
    expect(n.server).toBeUndefined();
    expect(Object.keys(n).sort()).toEqual([
      "acl",
      "bind_addr",
      "client",
      "consul",
      "data_dir",
      "datacenter",
      "leave_on_terminate",
      "log_level",
      "region",
      "tls",
    ]);
  });
});

describe("helpers", () => {
  test("package specs for OSS and Enterprise", () => {
    expect(packageSpec("consul", "1.22.6", false)).toBe("consul=1.22.6-1");
    expect(packageSpec("nomad", "1.10.3", true)).toBe("nomad-enterprise=1.10.3+ent-1");
  });
  testWith([TOOLS.bash], "shell quoting survives quotes", () => {
    expect(
      execFileSync("bash", ["-c", `printf %s ${shellQuote("a'b $c")}`], { encoding: "utf8" }),
    ).toBe("a'b $c");
  });
  test("servers need their bootstrap material", () => {
    expect(() => renderStartupScript({ ...server, accessors: undefined })).toThrow(
      "a server needs gossip, management token secrets and token accessors",
    );
  });
  test("agent policies are Consul ACL rules in JSON form", () => {
    const policies = agentPolicies("dc1");
    expect(policies["hashistack-nomad-server"]).toMatchObject({
      acl: "write",
      service_prefix: { "": { policy: "write" } },
    });
    expect(policies["hashistack-nomad-client"]).not.toHaveProperty("acl");
  });
  test("a startup file's repository notes end at its shell directive and are not rendered", () => {
    const text = "# notes citing components/x.ts\n# shellcheck shell=bash\n# kept\necho hi\n";
    expect(scriptBody(text, "x.sh")).toBe("# kept\necho hi\n");
    expect(() => scriptBody("# notes\necho hi\n", "x.sh")).toThrow(
      'x.sh: no "# shellcheck shell=bash" line ends its repository notes',
    );
    // Only a whole line counts: a mention inside a comment does not end the notes.
    expect(() => scriptBody("# see `# shellcheck shell=bash\n`\n", "x.sh")).toThrow("x.sh");
    const dir = path.join(__dirname, "..", "components", "cluster", "startup");
    for (const file of ["report.sh", "lib.sh"]) {
      const whole = fs.readFileSync(path.join(dir, file), "utf8");
      const body = scriptBody(whole, file);
      // The notes cite the renderer by path; the script carries the body verbatim, not them.
      expect(whole.slice(0, whole.length - body.length)).toContain("components/cluster/");
      for (const input of [server, client]) {
        const script = renderStartupScript(input);
        expect(script).toContain(body);
        expect(script).not.toContain(whole.slice(0, whole.length - body.length));
      }
    }
  });
  testWith([TOOLS.shellcheck], "the function library itself passes shellcheck", () => {
    const dir = path.join(__dirname, "..", "components", "cluster", "startup");
    const r = spawnSync(
      "shellcheck",
      ["-S", "warning", path.join(dir, "report.sh"), path.join(dir, "lib.sh")],
      { encoding: "utf8" },
    );
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("scripts rendered by the program", () => {
  /** Both templates' startup scripts of a stack, from one program run per stack. */
  const scripts = new Map<string, Promise<string[]>>();
  const renderedScripts = (stack: string): Promise<string[]> => {
    if (!scripts.has(stack))
      scripts.set(
        stack,
        runProgram({ stack }).then((run) => {
          if (run.error) throw run.error;
          return ["servers", "clients"].map((role) =>
            String(
              (
                run.graph.get(`${stack}-${role}-template`).inputs.metadata as Record<string, string>
              )["startup-script"],
            ),
          );
        }),
      );
    return scripts.get(stack) as Promise<string[]>;
  };
  for (const stack of ["dc1", "dc2"]) {
    // Needs no tool: runs everywhere, shellcheck or not.
    test(`${stack}: both templates' scripts name only ${stack} secrets`, async () => {
      for (const script of await renderedScripts(stack)) {
        const names = [...script.matchAll(/readonly SECRET_\w+='([^']*)'/g)]
          .map((m) => m[1] ?? "")
          .filter((n) => n !== "");
        expect(names.length).toBeGreaterThan(0);
        expect(names.filter((n) => !n.startsWith(`${stack}-`))).toEqual([]);
      }
    });
    // A repository path in the script would make a file move change both instance templates
    // and roll every VM (the client groups update PROACTIVE).
    test(`${stack}: both templates' scripts cite no repository path nor TypeScript file`, async () => {
      const scripts = await renderedScripts(stack);
      expect(scripts).toHaveLength(2);
      for (const script of scripts) {
        expect(script).toContain("set -euo pipefail");
        expect(script).not.toContain("components/");
        expect(script).not.toMatch(/\w+\.ts\b/);
      }
    });
    testWith([TOOLS.shellcheck], `${stack}: both templates' scripts pass shellcheck`, async () => {
      for (const script of await renderedScripts(stack)) expect(shellcheck(script).status).toBe(0);
    });
  }
});
