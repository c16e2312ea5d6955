/**
 * Boot failure paths, run for real in the sandbox (tests/harness/boot/sandbox.ts): each stops
 * with one clear log line (`FAILED at step <step>: <message>`), a non-zero exit, nothing of the
 * later steps done, and the guest attributes `boot-status=failed`, `boot-error=<step>: <message>`
 * that the readiness gate quotes (components/cluster/bootReport.ts).
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import {
  BOOT_REPORT_KEYS,
  BOOT_REPORT_NAMESPACE,
  BootStep,
} from "../components/cluster/bootReport";
import { describeVm, parseBootReport } from "../components/cluster/bootProgress";
import { guestLines, guestPut } from "./harness/boot/checks";
import { BootFixture, programFixtures } from "./harness/boot/fixture";
import { BootResult, Sandbox, SandboxOptions } from "./harness/boot/sandbox";
import { ROOT } from "./harness/stackConfig";
import { TOOLS, describeWith } from "./harness/tools";

const NEEDS = [TOOLS.bash, TOOLS.curl, TOOLS.jq];
/** GNU coreutils (`install -D`, `mktemp`) and bash 5 as on the VMs' Debian image. */
const PLATFORMS = ["linux"] as const;
const SM = "https://secretmanager.googleapis.com/v1/projects";
const MD = "http://169.254.169.254/computeMetadata/v1";

/** Boots once in a fresh sandbox and returns the result with the sandbox's final state. */
async function boot(opts: SandboxOptions, timeoutMs?: number) {
  const sb = await Sandbox.create(opts);
  try {
    const run = await sb.boot(timeoutMs);
    return { run, files: sb.files(), guest: new Map(sb.fake.guest) };
  } finally {
    await sb.close();
  }
}

/** The one failure line, the exit status and the guest attributes a failure leaves. */
function failure(run: BootResult, guest: Map<string, string>) {
  const lines = run.log.split("\n").filter((l) => l.includes("FAILED at step"));
  return {
    code: run.code,
    lines,
    status: guest.get(`${BOOT_REPORT_NAMESPACE}/${BOOT_REPORT_KEYS.status}`),
    error: guest.get(`${BOOT_REPORT_NAMESPACE}/${BOOT_REPORT_KEYS.error}`),
  };
}

function expectFailure(
  r: { run: BootResult; guest: Map<string, string> },
  role: string,
  step: BootStep,
  message: string,
): void {
  expect(failure(r.run, r.guest)).toEqual({
    code: 1,
    lines: [`hashistack-startup[${role}]: FAILED at step ${step}: ${message}`],
    status: "failed",
    error: `${step}: ${message}`,
  });
  // The step reported last is the failed one; nothing after it ran.
  const steps = guestLines(r.run).filter((l) => l.startsWith(`${BOOT_REPORT_KEYS.step}=`));
  expect(steps[steps.length - 1]).toBe(`${BOOT_REPORT_KEYS.step}=${step}`);
  expect(r.run.guestWrites.length).toBeLessThanOrEqual(10);
}

const count = (run: BootResult, line: string) =>
  run.calls.filter((c) => [c.cmd, ...c.args].join(" ") === line).length;

/** The default version's next minor: well-formed, but not in the sandbox's repositories. */
function unpublishedConsulVersion(): string {
  const doc = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
    config: Record<string, { default?: string }>;
  };
  const [major, minor] = String(doc.config.consulVersion?.default).split(".").map(Number);
  return `${major}.${(minor as number) + 1}.0`;
}

describeWith(
  NEEDS,
  "boot failures stop with a clear message and report it",
  () => {
    let dc1: Record<"server" | "client", BootFixture>;
    beforeAll(async () => {
      dc1 = await programFixtures("dc1");
    }, 60_000);

    test("a secret without a version: retried for a minute, then named with Secret Manager's answer", async () => {
      const r = await boot({
        fixture: dc1.server,
        secrets: { "dc1-consul-gossip-key": undefined },
      });
      const url = `${SM}/my-gcp-project-dc1/secrets/dc1-consul-gossip-key/versions/latest:access`;
      expectFailure(
        r,
        "server",
        "secrets",
        `secret dc1-consul-gossip-key: Secret Manager answered HTTP 404 NOT_FOUND: Secret [projects/my-gcp-project-dc1/secrets/dc1-consul-gossip-key] not found or has no versions. at ${url} (the secret has no version: pulumi up creates it)`,
      );
      expect(count(r.run, "sleep 6")).toBe(9);
      // What the readiness gate makes of these attributes (its reader, components/cluster/bootProgress.ts).
      const items = [...r.guest].map(([k, value]) => {
        const [namespace = "", key = ""] = k.split("/");
        return { namespace, key, value };
      });
      expect(
        describeVm({ group: "dc1-servers", name: "vm", zone: "z", ...parseBootReport(items) }),
      ).toBe(
        `vm (z): failed at step secrets: ${r.guest.get(`${BOOT_REPORT_NAMESPACE}/${BOOT_REPORT_KEYS.error}`)}`,
      );
      expect(r.files.has("/etc/consul.d/secrets.json")).toBe(false);
      expect(r.files.has("/etc/consul.d/consul.json")).toBe(false);
      expect(r.run.calls.some((c) => c.cmd === "systemctl" && c.args[0] !== "daemon-reload")).toBe(
        false,
      );
    });

    test("a secret the VM may not read: 403, retried for about 9 minutes (IAM propagation), with what grants access", async () => {
      // 90 attempts (sleep is a stand-in): more time than one boot needs under load.
      const r = await boot({ fixture: dc1.client, revoke: ["dc1-ca-cert"] }, 50_000);
      // "typically 2 minutes, potentially 7 minutes or longer" (IAM access change propagation).
      expect(count(r.run, "sleep 6")).toBe(89);
      expectFailure(
        r,
        "client",
        "secrets",
        `secret dc1-ca-cert: Secret Manager answered HTTP 403 PERMISSION_DENIED: Permission 'secretmanager.versions.access' denied for resource 'projects/my-gcp-project-dc1/secrets/dc1-ca-cert/versions/latest' (or it may not exist). at ${SM}/my-gcp-project-dc1/secrets/dc1-ca-cert/versions/latest:access (the VM's service account is not granted roles/secretmanager.secretAccessor on it, or it does not exist: pulumi up creates both)`,
      );
    });

    test.each([
      [
        "dc1-consul-gossip-key",
        "not-a-gossip-key",
        "32 random bytes in base64 (44 characters ending in '='); it holds 16 characters",
        "/etc/consul.d/secrets.json",
      ],
      [
        "dc1-consul-server-agent-token",
        "root",
        "a UUID (an ACL token's secret ID); it holds 4 characters",
        "/etc/consul.d/secrets.json",
      ],
      [
        "dc1-server-tls-key",
        "-----BEGIN CERTIFICATE-----\nnot a key\n-----END CERTIFICATE-----",
        "a PEM private key; it holds 63 characters",
        "/etc/hashistack/tls/agent-key.pem",
      ],
      [
        "dc1-ca-cert",
        "garbage",
        "a PEM certificate; it holds 7 characters",
        "/etc/hashistack/tls/ca.pem",
      ],
    ])(
      "a secret of the wrong shape (%s) stops before it is written",
      async (id, value, shape, file) => {
        const r = await boot({ fixture: dc1.server, secrets: { [id]: value } });
        expectFailure(
          r,
          "server",
          "secrets",
          `secret ${id} does not have the expected shape: ${shape}`,
        );
        expect(r.files.has(file)).toBe(false);
        expect(r.run.log).not.toContain(
          value.split("\n")[0] === "-----BEGIN CERTIFICATE-----" ? "not a key" : value,
        );
      },
    );

    test("a pinned version that is not published: named at once, no install attempted", async () => {
      const version = unpublishedConsulVersion();
      const fx = (await programFixtures("dc1", { "hashistack:consulVersion": version })).server;
      const r = await boot({ fixture: fx });
      const line = failure(r.run, r.guest).lines[0] ?? "";
      expect(line).toMatch(
        new RegExp(
          `^hashistack-startup\\[server\\]: FAILED at step packages: package consul version ${version.replace(/\./g, "\\.")}-1 is not published in the apt repositories \\(newest: [0-9.]+-1 [0-9.]+-1 [0-9.]+-1\\); check the stack's consulVersion$`,
        ),
      );
      expect(failure(r.run, r.guest)).toMatchObject({ code: 1, status: "failed" });
      expect(r.guest.get(`${BOOT_REPORT_NAMESPACE}/${BOOT_REPORT_KEYS.error}`)).toBe(
        line.replace("hashistack-startup[server]: FAILED at step packages: ", "packages: "),
      );
      expect(r.run.calls.filter((c) => c.cmd === "apt-get" && c.args.includes("install"))).toEqual(
        [],
      );
      expect(
        r.run.calls.some((c) => c.cmd === "http" && c.args[1]?.startsWith("/secretmanager/")),
      ).toBe(false);
    });

    test("a package install that keeps failing: retried, then apt's error with packages and versions", async () => {
      const r = await boot({ fixture: dc1.server, fail: ["apt-install"] });
      // The script adds jq (it parses Secret Manager's answers) to the configured packages.
      const specs = `${dc1.server.settings.PACKAGES as string} jq`;
      expectFailure(
        r,
        "server",
        "packages",
        `installing ${specs} failed 5 times: E: Failed to fetch https://apt.releases.hashicorp.com/pool/main/c/consul/consul_amd64.deb  503  Service Unavailable [IP: 127.0.0.1 443]`,
      );
      expect(count(r.run, "sleep 10")).toBe(4);
    });

    test("the metadata server not answering: the endpoint named; the report is attempted, never masks it", async () => {
      const r = await boot({ fixture: dc1.server, metadataDown: true });
      const f = failure(r.run, r.guest);
      expect(f.code).toBe(1);
      expect(f.lines).toHaveLength(1);
      const prefix = `hashistack-startup[server]: FAILED at step secrets: the metadata server did not answer ${MD}/instance/service-accounts/default/token after 5 attempts: curl: (7) Failed to connect to 127.0.0.1 port`;
      expect((f.lines[0] as string).startsWith(prefix)).toBe(true);
      expect(count(r.run, "sleep 2")).toBe(4);
      // Guest attributes live on the same server: nothing can be stored, but the failure was
      // sent (and the log says the report could not be written).
      expect(r.guest.size).toBe(0);
      const sent = r.run.calls.map(guestPut).filter((p) => p !== undefined);
      expect(sent.slice(-2).map((p) => p.key)).toEqual([
        `${BOOT_REPORT_NAMESPACE}/${BOOT_REPORT_KEYS.status}`,
        `${BOOT_REPORT_NAMESPACE}/${BOOT_REPORT_KEYS.error}`,
      ]);
      expect(sent[sent.length - 2]?.value).toBe("failed");
      expect(sent[sent.length - 1]?.value).toBe(
        (f.lines[0] as string).replace(/^.*FAILED at step /, ""),
      );
      expect(r.run.log).toContain(
        `could not write guest attribute ${BOOT_REPORT_NAMESPACE}/${BOOT_REPORT_KEYS.error}`,
      );
    });

    test("an agent that does not start: named with where to look", async () => {
      const r = await boot({ fixture: dc1.server, fail: ["unit:consul"] });
      expectFailure(
        r,
        "server",
        "services",
        "systemctl restart consul failed (journalctl -u consul says why)",
      );
      expect(r.run.calls.some((c) => c.cmd === "nomad" || c.cmd === "consul")).toBe(false);
    });

    test.each([
      [
        "consul" as const,
        "Consul at https://127.0.0.1:8501 has no leader after 120 attempts (10 to 30 minutes): are the other servers up? (journalctl -u consul)",
      ],
      [
        "nomad" as const,
        "Nomad at https://127.0.0.1:4646 has no leader after 120 attempts (10 to 30 minutes) (journalctl -u nomad)",
      ],
    ])(
      "%s never electing a leader: 120 attempts, and the message says how long that is",
      async (agent, message) => {
        const r = await boot({ fixture: dc1.server, noLeader: [agent] });
        expectFailure(r, "server", "acl-bootstrap", message);
        expect(count(r.run, "sleep 5")).toBe(119);
        expect(r.run.calls.some((c) => c.cmd === "nomad")).toBe(false);
      },
    );

    test('"No cluster leader" from nomad acl bootstrap right after the election: retried, the boot succeeds', async () => {
      const r = await boot({ fixture: dc1.server, fail: ["nomad-no-leader"] });
      expect(r.run.code).toBe(0);
      expect(count(r.run, "sleep 5")).toBeGreaterThanOrEqual(1);
      expect(
        r.run.calls.filter((c) => c.cmd === "nomad" && c.args[1] === "bootstrap"),
      ).toHaveLength(2);
      expect(r.guest.get(`${BOOT_REPORT_NAMESPACE}/${BOOT_REPORT_KEYS.status}`)).toBe("ready");
    });

    test("nomad acl bootstrap that keeps failing: 12 attempts, then Nomad's answer", async () => {
      const r = await boot({ fixture: dc1.server, fail: ["nomad-no-leader-always"] });
      expectFailure(
        r,
        "server",
        "acl-bootstrap",
        "nomad acl bootstrap failed 12 times in a minute: Error bootstrapping: Unexpected response code: 500 (No cluster leader)",
      );
      expect(
        r.run.calls.filter((c) => c.cmd === "nomad" && c.args[1] === "bootstrap"),
      ).toHaveLength(12);
      expect(r.run.calls.some((c) => c.cmd === "consul" && c.args[2] === "create")).toBe(false);
    });

    test("any other failing command: the ERR trap names the line and the command", async () => {
      const r = await boot({ fixture: dc1.client, fail: ["cmd:modprobe"] });
      const f = failure(r.run, r.guest);
      expect(f).toMatchObject({ code: 1, status: "failed" });
      expect(f.lines).toEqual([
        expect.stringMatching(
          /^hashistack-startup\[client\]: FAILED at step host: line \d+: modprobe br_netfilter exited with status 1$/,
        ),
      ]);
      const lineNo = Number(/line (\d+):/.exec(f.lines[0] as string)?.[1]);
      expect(dc1.client.script.split("\n")[lineNo - 1]?.trim()).toBe("modprobe br_netfilter");
      expect(f.error).toBe((f.lines[0] as string).replace(/^.*FAILED at step /, ""));
    });

    test("guest attributes disabled on the instance: the boot still succeeds, saying it could not report", async () => {
      const r = await boot({ fixture: dc1.client, guestAttributes: false });
      expect(r.run.code).toBe(0);
      expect(r.guest.size).toBe(0);
      expect(r.run.log).toContain(
        `could not write guest attribute ${BOOT_REPORT_NAMESPACE}/${BOOT_REPORT_KEYS.status} (guest attributes disabled or metadata server down)`,
      );
    });
  },
  PLATFORMS,
);
