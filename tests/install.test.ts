/**
 * The package-install function of the startup scripts (components/cluster/startup/lib.sh
 * main_install), run by bash with apt, dpkg, curl and systemd replaced by recording fakes and
 * every absolute path moved into a temporary directory (the library's test-only
 * HASHISTACK_SYSROOT prefix): what it asks apt for on a fresh image, and that a reboot with
 * everything installed asks for nothing. The whole boot runs in tests/bootSandbox.test.ts.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { functionBody } from "../scripts/bootEstimate";
import { ROOT } from "./harness/program";

// report.sh first: lib.sh's functions report failures through it (fail, log).
const LIB = ["report.sh", "lib.sh"]
  .map((f) => fs.readFileSync(path.join(ROOT, "components", "cluster", "startup", f), "utf8"))
  .join("\n");

/** Fakes of the system commands the function calls; they log to $SANDBOX/calls. */
const FAKES = fs.readFileSync(path.join(__dirname, "harness", "installFakes.sh"), "utf8");

function sandbox(opts: { caRoots: boolean }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "install-"));
  for (const d of ["etc/apt/sources.list.d", "usr/share/keyrings", "etc/ssl/certs"])
    fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(path.join(dir, "etc/os-release"), "VERSION_CODENAME=bookworm\n");
  if (opts.caRoots) fs.writeFileSync(path.join(dir, "etc/ssl/certs/ca-certificates.crt"), "x\n");
  // Every absolute path the library touches is prefixed with $SYSROOT (HASHISTACK_SYSROOT).
  return { dir, lib: LIB };
}

function runInstall(dir: string, lib: string, packages: string) {
  const script = [
    "set -euo pipefail",
    `SANDBOX=${JSON.stringify(dir)}`,
    `HASHISTACK_SYSROOT=${JSON.stringify(dir)}`,
    "ROLE=client",
    `PACKAGES=${JSON.stringify(packages)}`,
    lib,
    FAKES,
    "main_install",
  ].join("\n");
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`main_install failed (${r.status}): ${r.stderr}`);
  const calls = fs.existsSync(path.join(dir, "calls"))
    ? fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n")
    : [];
  fs.rmSync(path.join(dir, "calls"), { force: true });
  return calls;
}

const CLIENT = "consul=1.22.6-1 nomad=1.10.3-1 docker.io containernetworking-plugins consul-cni";

describe("main_install on a fresh Debian 12 image (fakes for apt, dpkg, curl, systemd)", () => {
  test("the sandbox catches every absolute path the install functions write", () => {
    const { lib } = sandbox({ caRoots: true });
    for (const fn of ["main_install", "install_fetch_tools"]) {
      const body = functionBody(lib, fn);
      expect(body.length).toBeGreaterThan(50);
      // Paths used are "$SYSROOT/..."; after `=` only a VM path as a value (the keyring,
      // prefixed where it is used) or file content.
      expect(body).not.toMatch(/[\s"'>(]\/(etc|usr|var|opt)\//);
    }
  });

  test("one index refresh and one transaction without Recommends, AppArmor's parser included; the key as .asc", () => {
    const { dir, lib } = sandbox({ caRoots: true });
    const calls = runInstall(dir, lib, CLIENT);
    expect(calls.filter((c) => c.startsWith("apt-get"))).toEqual([
      "apt-get update -qq",
      `apt-get install -y -qq --no-install-recommends --allow-downgrades ${CLIENT} jq apparmor`,
    ]);
    expect(calls).toContain(
      `curl -fsSL -o ${dir}/usr/share/keyrings/hashicorp-archive-keyring.asc.tmp https://apt.releases.hashicorp.com/gpg`,
    );
    // The file names the key by its path on the VM.
    expect(fs.readFileSync(path.join(dir, "etc/apt/sources.list.d/hashicorp.list"), "utf8")).toBe(
      "deb [signed-by=/usr/share/keyrings/hashicorp-archive-keyring.asc] https://apt.releases.hashicorp.com bookworm main\n",
    );
    expect(fs.existsSync(path.join(dir, "usr/share/keyrings/hashicorp-archive-keyring.asc"))).toBe(
      true,
    );
    expect(calls).toContain("apt-mark hold consul consul-enterprise nomad nomad-enterprise");
  });

  test("servers install no AppArmor (no Docker)", () => {
    const { dir, lib } = sandbox({ caRoots: true });
    expect(runInstall(dir, lib, "consul=1.22.6-1 nomad=1.10.3-1")).toContain(
      "apt-get install -y -qq --no-install-recommends --allow-downgrades consul=1.22.6-1 nomad=1.10.3-1 jq",
    );
  });

  test("a reboot with everything installed asks apt for nothing", () => {
    const { dir, lib } = sandbox({ caRoots: true });
    runInstall(dir, lib, CLIENT);
    const again = runInstall(dir, lib, CLIENT);
    expect(again.filter((c) => /^(apt-get|curl)/.test(c))).toEqual([]);
  });

  test("an image without CA roots gets curl and them from Debian first", () => {
    const { dir, lib } = sandbox({ caRoots: false });
    expect(runInstall(dir, lib, CLIENT).filter((c) => c.startsWith("apt-get"))).toEqual([
      "apt-get update -qq",
      "apt-get install -y -qq --no-install-recommends ca-certificates curl",
      "apt-get update -qq",
      `apt-get install -y -qq --no-install-recommends --allow-downgrades ${CLIENT} jq apparmor`,
    ]);
  });
});
