# Repository notes, up to the `shellcheck shell=bash` directive: the renderer drops them, so
# they may cite repository paths (the rendered scripts never do: moving a file must not change
# the instance templates). components/cluster/startupScript.ts appends the rest of this file
# after the settings header and report.sh. tests/bootSandbox.test.ts boots it under
# HASHISTACK_SYSROOT; tests/install.test.ts and tests/workloadIsolation.test.ts run single
# functions. Kept as a real file so shellcheck reads it directly.
# shellcheck shell=bash
# hashistack agent library: functions shared by the server and client startup scripts. It
# comes after the settings header and the boot reporting (log, fail, boot_step, METADATA);
# nothing here runs until the rendered script calls it.
# shellcheck disable=SC2154 # settings (ROLE, PROJECT, SECRET_*, ...) come from the header.
export DEBIAN_FRONTEND=noninteractive
CONSUL_CHANGED=0
NOMAD_CHANGED=0
# Test-only: the repository's boot sandbox test runs this script as an ordinary user with
# every file under a temporary root. Unset on a VM, where every path below is the real one.
readonly SYSROOT=${HASHISTACK_SYSROOT:-}

# retry <attempts> <delay-seconds> <command...>: bounded retries, never endless.
retry() {
  local attempts=$1 delay=$2 n=1
  shift 2
  until "$@"; do
    if [ "$n" -ge "$attempts" ]; then
      log "giving up after $n attempts: $*"
      return 1
    fi
    n=$((n + 1))
    sleep "$delay"
  done
}

# retry_logged <attempts> <delay-seconds> <command...>: retry, keeping each attempt's output
# (in the log, and the last one in $BOOT_TMP/last-output for the failure message).
retry_logged() {
  local attempts=$1 delay=$2 n=1
  shift 2
  until "$@" >"$BOOT_TMP/last-output" 2>&1; do
    cat "$BOOT_TMP/last-output" >&2
    if [ "$n" -ge "$attempts" ]; then
      log "giving up after $n attempts: $*"
      return 1
    fi
    n=$((n + 1))
    sleep "$delay"
  done
}

# apt_errors: apt's error lines (E:) of the last retry_logged attempt, on one line.
apt_errors() {
  local errors
  errors=$(grep '^E:' "$BOOT_TMP/last-output" | head -n 3 | tr '\n' ' ' || true)
  printf '%s' "${errors% }"
}

# write_file <path> <mode> <owner:group>: content from stdin; only replaces a changed file
# and records which agent must restart.
write_file() {
  local path=$1 mode=$2 owner=$3 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [ -f "$SYSROOT$path" ] && cmp -s "$tmp" "$SYSROOT$path"; then
    rm -f "$tmp"
    return 0
  fi
  if ! install -D -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$tmp" "$SYSROOT$path"; then
    rm -f "$tmp"
    fail "could not write $path (mode $mode, owner $owner)"
  fi
  rm -f "$tmp"
  case "$path" in
    /etc/consul.d/* | "$TLS_DIR"/*) CONSUL_CHANGED=1 ;;
  esac
  case "$path" in
    /etc/nomad.d/* | "$TLS_DIR"/*) NOMAD_CHANGED=1 ;;
  esac
}

# metadata <path>: a value from the GCE metadata server (a few quick retries); the boot
# stops, naming the endpoint, when the server does not answer.
metadata() {
  local n out=""
  for n in 1 2 3 4 5; do
    if out=$(curl -sS -f --connect-timeout 2 --max-time 10 -H 'Metadata-Flavor: Google' "$METADATA/$1" 2>&1); then
      printf '%s' "$out"
      return 0
    fi
    if [ "$n" -lt 5 ]; then sleep 2; fi
  done
  fail "the metadata server did not answer $METADATA/$1 after 5 attempts: $out"
}

# access_token: an OAuth token of the VM's own service account, from the metadata server.
access_token() {
  local token
  token=$(metadata computeMetadata/v1/instance/service-accounts/default/token | jq -r '.access_token // empty')
  [ -n "$token" ] || fail "the metadata server gave no access token: does the VM have a service account?"
  printf '%s' "$token"
}

# Secret reads retry every 6 s for about 9 minutes: IAM grants take "typically 2 minutes,
# potentially 7 minutes or longer" to apply (cloud.google.com/iam/docs/access-change-propagation).
# A secret without a version (404: the VM may read it, no grant is pending) stops after a minute.
readonly SECRET_READ_ATTEMPTS=90
readonly SECRET_READ_INTERVAL=6
readonly SECRET_MISSING_ATTEMPTS=10

# secret <name>: the latest version of a Secret Manager secret, read with the VM's own
# service account (REST API + metadata-server token; no SDK on the image). Retried as above;
# then the boot stops naming the secret, the answer and the endpoint. The value itself is
# never logged.
secret() {
  local name=$1 token n response status="" why="" hint="" value
  local url="https://secretmanager.googleapis.com/v1/projects/$PROJECT/secrets/$1/versions/latest:access"
  for ((n = 1; ; n++)); do
    # Each attempt: the metadata server may hand out a token with only 5 minutes left
    # (it caches them until then), less than this loop may last.
    token=$(access_token)
    if response=$(curl -sS --connect-timeout 5 --max-time 30 -w '\n%{http_code}' \
      -H "Authorization: Bearer $token" "$url" 2>&1); then
      status=${response##*$'\n'}
      if [ "$status" = 200 ]; then
        value=$(jq -r '.payload.data // empty' <<<"${response%$'\n'*}" | base64 -d 2>/dev/null) ||
          fail "secret $name: the payload from $url is not base64"
        printf '%s' "$value"
        return 0
      fi
      why="answered HTTP $status $(jq -r '"\(.error.status): \(.error.message)"' <<<"${response%$'\n'*}" 2>/dev/null || true)"
    else
      status=""
      why="did not answer (${response%%$'\n'*})"
    fi
    if [ "$n" -ge "$SECRET_READ_ATTEMPTS" ] || { [ "$status" = 404 ] && [ "$n" -ge "$SECRET_MISSING_ATTEMPTS" ]; }; then
      break
    fi
    sleep "$SECRET_READ_INTERVAL"
  done
  case $status in
    403) hint=" (the VM's service account is not granted roles/secretmanager.secretAccessor on it, or it does not exist: pulumi up creates both)" ;;
    404) hint=" (the secret has no version: pulumi up creates it)" ;;
  esac
  fail "secret $name: Secret Manager $why at $url$hint"
}

readonly UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
readonly B64_RE='^[A-Za-z0-9+/]{43}=$'
# PEM boundaries, spelled so that the script itself carries no PEM marker.
readonly CERT_RE='^-----[A-Z]+ CERTIFICATE-----'
readonly KEY_RE='^-----[A-Z]+ ([A-Z]+ )?PRIVATE KEY-----'
readonly ANY_RE='.'

# shape <regex>: what a secret checked against this regex must hold, for the error message.
shape() {
  case $1 in
    "$UUID_RE") echo "a UUID (an ACL token's secret ID)" ;;
    "$B64_RE") echo "32 random bytes in base64 (44 characters ending in '=')" ;;
    "$CERT_RE") echo "a PEM certificate" ;;
    "$KEY_RE") echo "a PEM private key" ;;
    *) echo "a non-empty value" ;;
  esac
}

# checked_secret <name> <regex>: a secret that must match a shape before it is used.
checked_secret() {
  local value
  value=$(secret "$1")
  if ! [[ $value =~ $2 ]]; then
    fail "secret $1 does not have the expected shape: $(shape "$2"); it holds ${#value} characters"
  fi
  printf '%s' "$value"
}

# put_secret <name> <path> <mode> <owner:group>: fetched and checked completely before
# anything is written, so a failed fetch never leaves an empty or wrong file behind. The
# shape follows the file: *-key.pem a private key, other *.pem a certificate.
put_secret() {
  local value re=$ANY_RE
  case $2 in
    *-key.pem) re=$KEY_RE ;;
    *.pem) re=$CERT_RE ;;
  esac
  value=$(checked_secret "$1" "$re")
  printf '%s\n' "$value" | write_file "$2" "$3" "$4"
}

# require_published <spec...>: a pinned version that the repositories do not publish stops
# the boot at once, naming package and version (retrying cannot make it appear).
require_published() {
  local spec pkg published newest
  for spec in "$@"; do
    pkg=${spec%%=*}
    published=$(apt-cache madison "$pkg" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' || true)
    if [ -z "$published" ]; then
      fail "package $pkg is not available from the configured apt repositories"
    fi
    if [[ $spec == *=* ]] && ! grep -qxF "${spec#*=}" <<<"$published"; then
      newest=$(head -n 3 <<<"$published" | tr '\n' ' ')
      fail "package $pkg version ${spec#*=} is not published in the apt repositories (newest: ${newest% }); check the stack's ${pkg%-enterprise}Version"
    fi
  done
}

# Images without curl or CA roots (Debian 12 on GCE ships both): fetch them from Debian first,
# so the HashiCorp key can be downloaded.
install_fetch_tools() {
  retry 5 10 apt-get update -qq || fail "apt-get update failed (is there egress through Cloud NAT?)"
  retry 5 10 apt-get install -y -qq --no-install-recommends ca-certificates curl ||
    fail "could not install ca-certificates and curl from Debian"
}

# One index refresh and one apt transaction for everything the boot needs.
main_install() {
  local keyring=/usr/share/keyrings/hashicorp-archive-keyring.asc codename want spec missing=0
  read -r -a want <<<"$PACKAGES"
  # jq parses the Secret Manager answers (fetch_material).
  want+=(jq)
  # No Recommends (docker.io's pull in git, needrestart, criu and more, unused here), but
  # AppArmor's parser stays: bookworm's docker.io 20.10.24 is built with runc 1.1, whose
  # AppArmor check reads the kernel only, so each container start loads the docker-default
  # profile with apparmor_parser and fails without it (daemon/oci_linux.go; the failure of
  # moby/moby#44900, fixed upstream in 23.0 by moby/moby#44942, not in this package).
  case " ${want[*]} " in *" docker.io "*) want+=(apparmor) ;; esac
  for spec in "${want[@]}"; do
    case "$spec" in
      *=*) dpkg-query -W -f='${Version}' "${spec%%=*}" 2>/dev/null | grep -qx "${spec#*=}" || missing=1 ;;
      *) dpkg-query -W "$spec" >/dev/null 2>&1 || missing=1 ;;
    esac
  done
  if [ "$missing" -eq 1 ]; then
    if ! command -v curl >/dev/null || [ ! -s "$SYSROOT/etc/ssl/certs/ca-certificates.crt" ]; then
      install_fetch_tools
    fi
    # shellcheck disable=SC1091 # os-release exists on every Debian image
    codename=$(. "$SYSROOT/etc/os-release" && echo "$VERSION_CODENAME")
    # apt reads an ASCII-armored key from a .asc file (apt >= 1.4), so no gnupg to dearmor it.
    if [ ! -s "$SYSROOT$keyring" ]; then
      retry 5 10 curl -fsSL -o "$SYSROOT$keyring.tmp" https://apt.releases.hashicorp.com/gpg ||
        fail "could not fetch the HashiCorp package signing key from https://apt.releases.hashicorp.com/gpg"
      mv "$SYSROOT$keyring.tmp" "$SYSROOT$keyring"
    fi
    echo "deb [signed-by=$keyring] https://apt.releases.hashicorp.com $codename main" >"$SYSROOT/etc/apt/sources.list.d/hashicorp.list"
    retry 5 10 apt-get update -qq || fail "apt-get update failed (is there egress through Cloud NAT?)"
    # A pinned version that is not published fails here, at once, naming it.
    require_published "${want[@]}"
    retry_logged 5 10 apt-get install -y -qq --no-install-recommends --allow-downgrades "${want[@]}" ||
      fail "installing ${want[*]} failed 5 times: $(apt_errors)"
  fi
  # Versions come from config only: unattended upgrades must not move them.
  apt-mark hold consul consul-enterprise nomad nomad-enterprise >/dev/null 2>&1 || true
  # The packages ship example configs that would merge with ours (nomad.hcl enables both
  # server and client); their units require those files, so point the units at ours.
  rm -f "$SYSROOT/etc/consul.d/consul.hcl" "$SYSROOT/etc/nomad.d/nomad.hcl"
  mkdir -p "$SYSROOT/etc/systemd/system/consul.service.d" "$SYSROOT/etc/systemd/system/nomad.service.d"
  printf '[Unit]\nConditionFileNotEmpty=\nConditionFileNotEmpty=/etc/consul.d/consul.json\n' >"$SYSROOT/etc/systemd/system/consul.service.d/hashistack.conf"
  printf '[Unit]\nConditionFileNotEmpty=\nConditionFileNotEmpty=/etc/nomad.d/nomad.json\n' >"$SYSROOT/etc/systemd/system/nomad.service.d/hashistack.conf"
  systemctl daemon-reload
}

# block_device <path>: the device node exists. The sandbox cannot create device nodes
# without root; there a regular file stands in for the disk. Only the sandbox test sets
# HASHISTACK_SYSROOT: on a VM SYSROOT is empty and only a real block device counts.
block_device() {
  [ -b "$SYSROOT$1" ] || { [ -n "$SYSROOT" ] && [ -f "$SYSROOT$1" ]; }
}

# Servers keep Raft data on a separate persistent disk that the MIG preserves when it
# re-creates the instance (stateful disk "data").
mount_data_disk() {
  local disk=/dev/disk/by-id/google-data
  retry 30 2 block_device "$disk" || fail "the data disk $disk did not appear within a minute (stateful disk 'data' not attached?)"
  if ! blkid "$SYSROOT$disk" >/dev/null 2>&1; then
    mkfs.ext4 -q -m 0 -L hashistack-data "$SYSROOT$disk"
  fi
  mkdir -p "$SYSROOT/opt/hashistack"
  grep -q 'LABEL=hashistack-data' "$SYSROOT/etc/fstab" || echo 'LABEL=hashistack-data /opt/hashistack ext4 defaults,nofail 0 2' >>"$SYSROOT/etc/fstab"
  mountpoint -q "$SYSROOT/opt/hashistack" || mount "$SYSROOT/opt/hashistack"
  mkdir -p "$SYSROOT/opt/hashistack/consul" "$SYSROOT/opt/hashistack/nomad"
  chown consul:consul "$SYSROOT/opt/hashistack/consul"
}

# cni_plugin_version <binary>: the version Nomad's fingerprint reads from a CNI plugin
# (client/fingerprint/plugins_cni.go): run it with no arguments; a failed run is "unknown";
# else the first whitespace-separated token of its output that is a semantic version.
cni_plugin_version() {
  local out token tokens
  out=$("$1" 2>&1) || return 1
  read -r -d '' -a tokens <<<"$out" || true
  for token in "${tokens[@]}"; do
    if [[ $token =~ $SEMVER_RE ]]; then
      printf '%s' "$token"
      return 0
    fi
  done
  return 1
}

# True when every plugin Nomad's bridge network uses reports the pinned release to Nomad.
cni_plugins_pinned() {
  local plugin version
  for plugin in $CNI_BRIDGE_PLUGINS; do
    version=$(cni_plugin_version "$SYSROOT$CNI_DIR/$plugin") || return 1
    [ "$version" = "v$CNI_VERSION" ] || return 1
  done
}

# CNI reference plugins from the upstream release (checksum-pinned), not Debian's build,
# whose "version unknown" Nomad would read as the CNI protocol version instead.
install_cni_plugins() {
  local arch sum tmp
  cni_plugins_pinned && return 0
  arch=$(dpkg --print-architecture)
  case "$arch" in
    amd64) sum=$CNI_SHA256_AMD64 ;;
    arm64) sum=$CNI_SHA256_ARM64 ;;
    *) fail "no pinned CNI plugins for architecture $arch" ;;
  esac
  # In $BOOT_TMP, removed on exit: a failed download leaves nothing behind.
  tmp="$BOOT_TMP/cni-plugins.tgz"
  local url="https://github.com/containernetworking/plugins/releases/download/v$CNI_VERSION/cni-plugins-linux-$arch-v$CNI_VERSION.tgz"
  retry 5 10 curl -fsSL -o "$tmp" "$url" || fail "could not download the CNI plugins v$CNI_VERSION from $url"
  printf '%s  %s\n' "$sum" "$tmp" | sha256sum --check --status ||
    fail "CNI plugins v$CNI_VERSION ($arch): checksum mismatch, not installed"
  tar -xzf "$tmp" -C "$SYSROOT$CNI_DIR"
  rm -f "$tmp"
  cni_plugins_pinned || fail "CNI plugins in $CNI_DIR do not report v$CNI_VERSION to Nomad's fingerprint"
}

# Clients: bridge networking for Nomad (CNI plugins in /opt/cni/bin, bridge netfilter).
prepare_client_host() {
  mkdir -p "$SYSROOT$CNI_DIR" "$SYSROOT/opt/hashistack/consul" "$SYSROOT/opt/hashistack/nomad"
  chown consul:consul "$SYSROOT/opt/hashistack/consul"
  install_cni_plugins
  if [ ! -e "$SYSROOT$CNI_DIR/consul-cni" ] && command -v consul-cni >/dev/null 2>&1; then
    ln -sf "$(command -v consul-cni)" "$SYSROOT$CNI_DIR/consul-cni"
  fi
  # Nomad places transparent-proxy groups only where consul-cni reports >= 1.4.2.
  cni_plugin_version "$SYSROOT$CNI_DIR/consul-cni" >/dev/null ||
    fail "consul-cni in $CNI_DIR reports no version Nomad can read"
  modprobe br_netfilter
  printf 'net.bridge.bridge-nf-call-arptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.bridge.bridge-nf-call-iptables = 1\n' >"$SYSROOT/etc/sysctl.d/60-nomad-bridge.conf"
  echo br_netfilter >"$SYSROOT/etc/modules-load.d/nomad-bridge.conf"
  sysctl --system >/dev/null
  systemctl enable --now docker
}

# Workloads on the bridge networks (Nomad's "nomad" bridge, Docker's docker0) must not reach
# the GCE metadata server: it hands out the VM account's token, which reads this client's
# secrets. Their packets to it are forwarded by the host (FORWARD chain); the agents' own
# requests are the host's (OUTPUT) and keep working. The rules go into the two chains meant
# for administrators, evaluated before the accept rules whichever of them comes first in
# FORWARD: NOMAD-ADMIN, which CNI-FORWARD jumps to before the firewall plugin's per-alloc
# accepts (Nomad docs, networking/cni: "user-controlled chain for custom rules that run
# before rules managed by the firewall plugin"), and DOCKER-USER (Docker runs it before its
# own rules). DNS (53) to the metadata server stays open: it is the VPC resolver and carries
# no credentials. A oneshot unit ordered before Docker and Nomad re-applies it at every
# boot (iptables rules do not survive a reboot); Docker and Nomad require it, so they never
# run workloads without it.
block_metadata_for_workloads() {
  write_file /usr/local/sbin/hashistack-workload-firewall 0755 root:root <<'SH'
#!/usr/bin/env bash
# Rendered by hashistack's startup script. Idempotent: flushes and refills its own chain,
# adds each jump only when missing.
set -euo pipefail
chain=HASHISTACK-METADATA
metadata=169.254.169.254/32
iptables -w -N "$chain" 2>/dev/null || true
iptables -w -F "$chain"
iptables -w -A "$chain" -d "$metadata" -p udp --dport 53 -j RETURN
iptables -w -A "$chain" -d "$metadata" -p tcp --dport 53 -j RETURN
iptables -w -A "$chain" -d "$metadata" -p tcp -j REJECT --reject-with tcp-reset
iptables -w -A "$chain" -d "$metadata" -j REJECT
for parent in NOMAD-ADMIN DOCKER-USER; do
  iptables -w -N "$parent" 2>/dev/null || true
  iptables -w -C "$parent" -j "$chain" 2>/dev/null || iptables -w -I "$parent" 1 -j "$chain"
done
SH
  write_file /etc/systemd/system/hashistack-workload-firewall.service 0644 root:root <<'UNIT'
[Unit]
Description=hashistack: workloads on bridge networks cannot reach the GCE metadata server
Before=docker.service nomad.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/hashistack-workload-firewall

[Install]
WantedBy=multi-user.target
RequiredBy=docker.service nomad.service
UNIT
  systemctl daemon-reload
  systemctl enable hashistack-workload-firewall.service >/dev/null
  # First boot: Docker already runs, so apply now as well. `start`, not `restart`: on a
  # reboot the unit already ran before Docker and Nomad, and restarting a unit restarts the
  # units that require it (systemd.unit, Requires=: "this unit will be stopped (or
  # restarted) if one of the other units is explicitly stopped (or restarted)"), which
  # would restart Docker and Nomad and kill the workloads Nomad just restored.
  systemctl start hashistack-workload-firewall.service
}

fetch_material() {
  local ip name gossip agent_token dns_token nomad_token
  mkdir -p "$SYSROOT$TLS_DIR" "$SYSROOT/etc/hashistack/secrets"
  chmod 0750 "$SYSROOT/etc/hashistack/secrets"
  put_secret "$SECRET_CA_CERT" "$CA_FILE" 0644 root:root
  put_secret "$SECRET_TLS_CERT" "$CERT_FILE" 0644 root:root
  put_secret "$SECRET_TLS_KEY" "$KEY_FILE" 0640 root:consul

  ip=$(metadata computeMetadata/v1/instance/network-interfaces/0/ip)
  name=$(hostname -s)
  gossip=$(checked_secret "$SECRET_CONSUL_GOSSIP" "$B64_RE")
  agent_token=$(checked_secret "$SECRET_CONSUL_AGENT_TOKEN" "$UUID_RE")
  dns_token=$(checked_secret "$SECRET_CONSUL_DNS_TOKEN" "$UUID_RE")
  nomad_token=$(checked_secret "$SECRET_NOMAD_CONSUL_TOKEN" "$UUID_RE")

  # Plaintext gRPC stays on loopback (consul.json); the API gateway's Envoy uses gRPC TLS.
  printf '{"node_name": "%s", "bind_addr": "%s", "advertise_addr": "%s"}\n' "$name" "$ip" "$ip" |
    write_file /etc/consul.d/node.json 0644 root:consul
  printf '{"name": "%s", "advertise": {"http": "%s", "rpc": "%s", "serf": "%s"}}\n' "$name" "$ip" "$ip" "$ip" |
    write_file /etc/nomad.d/node.json 0644 root:root

  if [ "$ROLE" = server ]; then
    local mgmt nomad_gossip nomad_mgmt client_token client_agent_token
    mgmt=$(checked_secret "$SECRET_CONSUL_MGMT" "$UUID_RE")
    nomad_gossip=$(checked_secret "$SECRET_NOMAD_GOSSIP" "$B64_RE")
    printf '{"encrypt": "%s", "acl": {"tokens": {"initial_management": "%s", "agent": "%s", "dns": "%s"}}}\n' \
      "$gossip" "$mgmt" "$agent_token" "$dns_token" | write_file /etc/consul.d/secrets.json 0640 root:consul
    printf '{"server": {"encrypt": "%s"}, "consul": {"token": "%s"}}\n' "$nomad_gossip" "$nomad_token" |
      write_file /etc/nomad.d/secrets.json 0600 root:root
    # Files the bootstrap step reads; never passed on a command line except token create.
    printf '%s' "$mgmt" | write_file /etc/hashistack/secrets/consul-management-token 0600 root:root
    nomad_mgmt=$(checked_secret "$SECRET_NOMAD_MGMT" "$UUID_RE")
    client_token=$(checked_secret "$SECRET_NOMAD_CLIENT_CONSUL_TOKEN" "$UUID_RE")
    client_agent_token=$(checked_secret "$SECRET_CONSUL_CLIENT_AGENT_TOKEN" "$UUID_RE")
    printf '%s' "$nomad_mgmt" | write_file /etc/hashistack/secrets/nomad-management-token 0600 root:root
    printf '%s' "$agent_token" | write_file /etc/hashistack/secrets/consul-server-agent-token 0600 root:root
    printf '%s' "$client_agent_token" | write_file /etc/hashistack/secrets/consul-client-agent-token 0600 root:root
    printf '%s' "$dns_token" | write_file /etc/hashistack/secrets/consul-dns-token 0600 root:root
    printf '%s' "$nomad_token" | write_file /etc/hashistack/secrets/nomad-server-consul-token 0600 root:root
    printf '%s' "$client_token" | write_file /etc/hashistack/secrets/nomad-client-consul-token 0600 root:root
    if [ -n "$SECRET_CONSUL_LICENSE" ]; then
      put_secret "$SECRET_CONSUL_LICENSE" "$CONSUL_LICENSE_FILE" 0640 root:consul
    fi
    if [ -n "$SECRET_NOMAD_LICENSE" ]; then
      put_secret "$SECRET_NOMAD_LICENSE" "$NOMAD_LICENSE_FILE" 0600 root:root
    fi
  else
    printf '{"encrypt": "%s", "acl": {"tokens": {"agent": "%s", "dns": "%s"}}}\n' "$gossip" "$agent_token" "$dns_token" |
      write_file /etc/consul.d/secrets.json 0640 root:consul
    printf '{"consul": {"token": "%s"}}\n' "$nomad_token" | write_file /etc/nomad.d/secrets.json 0600 root:root
  fi
}

# service_up <unit> <changed>: (re)starts an agent; restarts only when its files changed.
service_up() {
  local action=start
  if [ "$2" -eq 1 ]; then action=restart; fi
  systemctl "$action" "$1" || fail "systemctl $action $1 failed (journalctl -u $1 says why)"
}

start_services() {
  systemctl enable consul nomad >/dev/null
  service_up consul "$CONSUL_CHANGED"
  service_up nomad "$NOMAD_CHANGED"
}

consul_has_leader() {
  curl -fsS --max-time 10 --cacert "$SYSROOT$CA_FILE" "$CONSUL_HTTPS/v1/status/leader" | grep -q ':'
}

nomad_has_leader() {
  curl -fsS --max-time 10 --cacert "$SYSROOT$CA_FILE" "$NOMAD_HTTPS/v1/status/leader" | grep -q ':'
}

# The local agents' CLI settings: HTTPS verified against our CA, the management token.
use_local_agents() {
  export CONSUL_HTTP_ADDR="$CONSUL_HTTPS" CONSUL_CACERT="$SYSROOT$CA_FILE"
  export CONSUL_HTTP_TOKEN_FILE="$SYSROOT/etc/hashistack/secrets/consul-management-token"
  export NOMAD_ADDR="$NOMAD_HTTPS" NOMAD_CACERT="$SYSROOT$CA_FILE"
}

# ensure_token <accessor> <secret-file> <policy> <description>: creates the pre-generated
# token once; a concurrent create by another server is fine (the read then succeeds).
ensure_token() {
  local accessor=$1 file=$SYSROOT$2 policy=$3 description=$4
  consul acl token read -accessor-id "$accessor" >/dev/null 2>&1 && return 0
  consul acl token create -accessor "$accessor" -secret "$(cat "$file")" -policy-name "$policy" \
    -description "$description" >/dev/null 2>&1 || consul acl token read -accessor-id "$accessor" >/dev/null
}

# ensure_policy <name>: creates the policy, or brings an existing one's rules up to date.
ensure_policy() {
  local name=$1 rules=@$SYSROOT/etc/hashistack/policies/$1.json
  if consul acl policy read -name "$name" >/dev/null 2>&1; then
    consul acl policy update -name "$name" -rules "$rules" >/dev/null
    return
  fi
  consul acl policy create -name "$name" -description "hashistack: $name" -rules "$rules" \
    >/dev/null 2>&1 || consul acl policy read -name "$name" >/dev/null
}

# acl-bootstrap (servers): Consul's ACLs are bootstrapped by `initial_management` once a
# leader exists; Nomad's once, with the pre-generated management token ("already done" on
# every later boot and on the other servers).
bootstrap_acls() {
  use_local_agents
  # 120 attempts 5 s apart, each curl up to 10 s: 10 to 30 minutes, depending on how
  # the agent answers (at once, or not until curl's --max-time).
  retry 120 5 consul_has_leader ||
    fail "Consul at $CONSUL_HTTPS has no leader after 120 attempts (10 to 30 minutes): are the other servers up? (journalctl -u consul)"
  retry 120 5 nomad_has_leader ||
    fail "Nomad at $NOMAD_HTTPS has no leader after 120 attempts (10 to 30 minutes) (journalctl -u nomad)"
  # Right after an election the new leader may not be established yet: the bootstrap then
  # answers "No cluster leader" (a 500) although status/leader named one. Retried.
  retry 12 5 nomad_acl_bootstrap ||
    fail "nomad acl bootstrap failed 12 times in a minute: $(cat "$BOOT_TMP/nomad-bootstrap" 2>/dev/null)"
}

# nomad_acl_bootstrap: one attempt with the pre-generated management token. "ACL bootstrap
# already done" (every later boot, the other servers) is success; any other answer is kept
# in $BOOT_TMP/nomad-bootstrap for the failure message.
nomad_acl_bootstrap() {
  local out
  if out=$(nomad acl bootstrap "$SYSROOT/etc/hashistack/secrets/nomad-management-token" 2>&1); then
    return 0
  fi
  grep -q 'already done' <<<"$out" && return 0
  printf '%s' "$out" >"$BOOT_TMP/nomad-bootstrap"
  log "nomad acl bootstrap: $out"
  return 1
}

# agent-tokens (servers): the agents' policies and pre-generated tokens, created in Consul.
create_agent_tokens() {
  use_local_agents
  local policy
  for policy in hashistack-server-agent hashistack-client-agent hashistack-dns \
    hashistack-nomad-server hashistack-nomad-client; do
    retry 12 5 ensure_policy "$policy" || fail "could not create or update the Consul ACL policy $policy"
  done
  retry 12 5 ensure_token "$ACCESSOR_SERVER_AGENT" /etc/hashistack/secrets/consul-server-agent-token hashistack-server-agent "hashistack server agents" ||
    fail "could not create the Consul server agents' token (accessor $ACCESSOR_SERVER_AGENT)"
  retry 12 5 ensure_token "$ACCESSOR_CLIENT_AGENT" /etc/hashistack/secrets/consul-client-agent-token hashistack-client-agent "hashistack client agents" ||
    fail "could not create the Consul client agents' token (accessor $ACCESSOR_CLIENT_AGENT)"
  retry 12 5 ensure_token "$ACCESSOR_DNS" /etc/hashistack/secrets/consul-dns-token hashistack-dns "hashistack DNS" ||
    fail "could not create the Consul DNS token (accessor $ACCESSOR_DNS)"
  retry 12 5 ensure_token "$ACCESSOR_NOMAD_SERVER" /etc/hashistack/secrets/nomad-server-consul-token hashistack-nomad-server "hashistack Nomad servers" ||
    fail "could not create the Nomad servers' Consul token (accessor $ACCESSOR_NOMAD_SERVER)"
  retry 12 5 ensure_token "$ACCESSOR_NOMAD_CLIENT" /etc/hashistack/secrets/nomad-client-consul-token hashistack-nomad-client "hashistack Nomad clients" ||
    fail "could not create the Nomad clients' Consul token (accessor $ACCESSOR_NOMAD_CLIENT)"
}
