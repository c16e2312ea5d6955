/**
 * The CNI reference plugins the clients install, and the version Nomad reads from them.
 *
 * Nomad's bridge mode adds implicit constraints on `${attr.plugins.cni.version.<plugin>}`
 * (bridge, firewall, host-local, loopback, portmap >= 0.4.0; consul-cni >= 1.4.2 for
 * transparent proxy: nomad/job_endpoint_hooks.go) and restores networking after a reboot
 * with CNI CHECK only when bridge >= 1.3.0 (client/allocrunner/networking_cni.go). The
 * attribute comes from client/fingerprint/plugins_cni.go: the plugin is run with no
 * arguments and the first whitespace-separated token of its combined output that parses as
 * a semantic version (hashicorp/go-version NewSemver) is the version. Debian's build prints
 * "CNI bridge plugin version unknown" and the fingerprint then picks the last protocol
 * version of the second line ("1.0.0"): a pass by accident. So clients install the
 * upstream release Nomad 1.10's install guide uses (partials/install/install-cni-plugins.mdx),
 * checksum-pinned, and the boot script checks the version Nomad will read.
 */

/** Upstream containernetworking/plugins release (Nomad 1.10's documented version). */
export const CNI_VERSION = "1.6.2";

/**
 * SHA-256 of `cni-plugins-linux-<arch>-v1.6.2.tgz`, as published with the release and
 * recorded by kubespray (roles/kubespray_defaults/vars/main/checksums.yml,
 * cni_binary_checksums) and others.
 */
export const CNI_SHA256: Record<"amd64" | "arm64", string> = {
  amd64: "b8e811578fb66023f90d2e238d80cec3bdfca4b44049af74c374d4fae0f9c090",
  arm64: "01e0e22acc7f7004e4588c1fe1871cc86d7ab562cd858e1761c4641d89ebfaa4",
};

/** The plugins Nomad's bridge network needs (its conflist plus the implicit constraints). */
export const CNI_BRIDGE_PLUGINS = ["bridge", "firewall", "host-local", "loopback", "portmap"];

/**
 * hashicorp/go-version's SemverRegexpRaw, anchored (NewSemver). The lazy `*?` of the Go
 * source makes no difference to a whole-string match.
 */
export const GO_SEMVER_RE =
  /^v?([0-9]+(\.[0-9]+)*)(-([0-9]+[0-9A-Za-z~-]*(\.[0-9A-Za-z~-]+)*)|(-([A-Za-z~-]+[0-9A-Za-z~-]*(\.[0-9A-Za-z~-]+)*)))?(\+([0-9A-Za-z~-]+(\.[0-9A-Za-z~-]+)*))?$/;

/**
 * The value Nomad 1.10 stores in `plugins.cni.version.<name>` for a plugin whose no-argument
 * run printed `output` (and exited 0): the first token that parses as a semantic version,
 * else "unknown" (detectOnePlugin in client/fingerprint/plugins_cni.go).
 */
export function nomadCniPluginVersion(output: string): string {
  for (const token of output.split(/\s+/)) {
    if (token && GO_SEMVER_RE.test(token)) return token;
  }
  return "unknown";
}

/** The same expression for bash's `[[ =~ ]]` (POSIX ERE), used by the boot script. */
export const BASH_SEMVER_RE = GO_SEMVER_RE.source;
