/**
 * What the sandbox's VM starts from: the files of a fresh Debian 12 image that a startup
 * script reads or writes into, the packages its apt repositories publish, the commands that
 * run for real, and the commands that are stand-ins (shims.sh).
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "../stackConfig";

/** Real tools the script and the shims may run as they are (none changes the machine). */
export const REAL_TOOLS = [
  ...["bash", "cat", "cmp", "mktemp", "rm", "mkdir", "chmod", "ln", "basename", "dirname"],
  ...["grep", "awk", "sed", "head", "tail", "tr", "cut", "sort", "uniq", "wc", "jq", "base64"],
  ...["env", "touch", "cp", "mv", "ls", "id", "stat", "readlink", "date", "tee", "true"],
  // gzip: tar -z runs it.
  ...["false", "seq", "sha256sum", "tar", "gzip", "xargs"],
];

/** Names linked to shims.sh (each has its branch there; a test checks both lists agree). */
export const SHIMS = [
  ...["apt-get", "apt-cache", "apt-mark", "dpkg", "dpkg-query", "gpg", "systemctl"],
  ...["consul", "nomad", "consul-cni", "install", "chown", "hostname", "blkid", "mkfs.ext4"],
  ...["mount", "mountpoint", "modprobe", "sysctl", "sleep", "curl", "docker", "useradd"],
  ...["groupadd", "usermod", "iptables", "ip6tables", "iptables-save", "iptables-restore"],
  ...["netfilter-persistent", "update-ca-certificates"],
];

/** Paths of a fresh image (relative to the root): file content, or null for a directory. */
export function baseImage(role: "server" | "client"): Record<string, string | null> {
  return {
    "etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\n',
    "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
    "etc/group": "root:x:0:\n",
    "etc/fstab": "# /etc/fstab: static file system information.\n",
    "etc/ssl/certs/ca-certificates.crt":
      "-----BEGIN CERTIFICATE-----\nroots\n-----END CERTIFICATE-----\n",
    "etc/apt/sources.list.d": null,
    "etc/systemd/system": null,
    "etc/sysctl.d": null,
    "etc/modules-load.d": null,
    "usr/share/keyrings": null,
    "usr/lib/systemd/system": null,
    // Servers: the blank stateful disk "data" (a regular file stands in for the device).
    ...(role === "server" ? { "dev/disk/by-id/google-data": "" } : {}),
  };
}

/**
 * Package versions the fake repositories publish (`name<TAB>version<TAB>origin`), newest
 * first: Debian's, and HashiCorp's with the program's default versions and two older ones.
 */
export function publishedPackages(): string[] {
  const doc = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
    config: Record<string, { default?: string }>;
  };
  const consul = String(doc.config.consulVersion?.default);
  const nomad = String(doc.config.nomadVersion?.default);
  const hc = (pkg: string, versions: string[], ent: boolean) =>
    versions.map((v) => `${pkg}\t${ent ? `${v}+ent-1` : `${v}-1`}\thashicorp`);
  return [
    "ca-certificates\t20230311\tdebian",
    "curl\t7.88.1-10+deb12u12\tdebian",
    "gnupg\t2.2.40-1.1\tdebian",
    "jq\t1.6-2.1\tdebian",
    "apparmor\t3.0.8-3\tdebian",
    "docker.io\t20.10.24+dfsg1-1+deb12u1\tdebian",
    "containernetworking-plugins\t1.1.1+ds1-3+b5\tdebian",
    ...hc("consul", [consul, "1.21.5", "1.20.6"], false),
    ...hc("consul-enterprise", [consul, "1.21.5"], true),
    ...hc("nomad", [nomad, "1.9.7"], false),
    ...hc("nomad-enterprise", [nomad, "1.9.7"], true),
    "consul-cni\t1.7.1-1\thashicorp",
  ];
}
