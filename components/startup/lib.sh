# hashistack agent library: functions shared by the server and client startup scripts.
# components/startupScript.ts appends this file after the settings header; nothing here runs
# until the rendered script calls it. Kept as a real file so shellcheck reads it directly.
# shellcheck shell=bash
# shellcheck disable=SC2154 # settings (ROLE, PROJECT, SECRET_*, ...) come from the header.
export DEBIAN_FRONTEND=noninteractive
CONSUL_CHANGED=0
NOMAD_CHANGED=0

log() { echo "hashistack-startup[$ROLE]: $*" >&2; }

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

# write_file <path> <mode> <owner:group>: content from stdin; only replaces a changed file
# and records which agent must restart.
write_file() {
  local path=$1 mode=$2 owner=$3 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [ -f "$path" ] && cmp -s "$tmp" "$path"; then
    rm -f "$tmp"
    return 0
  fi
  install -D -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$tmp" "$path"
  rm -f "$tmp"
  case "$path" in
    /etc/consul.d/* | "$TLS_DIR"/*) CONSUL_CHANGED=1 ;;
  esac
  case "$path" in
    /etc/nomad.d/* | "$TLS_DIR"/*) NOMAD_CHANGED=1 ;;
  esac
}

# secret <name>: the latest version of a Secret Manager secret, read with the VM's own
# service account (REST API + metadata-server token; no SDK needed on the image).
secret() {
  local token
  token=$(curl -fsS -H 'Metadata-Flavor: Google' \
    http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token | jq -r .access_token)
  curl -fsS -H "Authorization: Bearer $token" \
    "https://secretmanager.googleapis.com/v1/projects/$PROJECT/secrets/$1/versions/latest:access" |
    jq -r .payload.data | base64 -d
}

# put_secret <name> <path> <mode> <owner:group>: fetched completely before anything is
# written, so a failed fetch never leaves an empty file behind.
put_secret() {
  local value
  value=$(retry 10 6 secret "$1")
  printf '%s\n' "$value" | write_file "$2" "$3" "$4"
}

# checked_secret <name> <regex>: a secret that must match a shape before it goes into JSON.
checked_secret() {
  local value
  value=$(retry 10 6 secret "$1")
  if ! [[ $value =~ $2 ]]; then
    log "secret $1 does not have the expected format"
    return 1
  fi
  printf '%s' "$value"
}

readonly UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
readonly B64_RE='^[A-Za-z0-9+/]{43}=$'

# Images without curl or CA roots (Debian 12 on GCE ships both): fetch them from Debian first,
# so the HashiCorp key can be downloaded.
install_fetch_tools() {
  retry 5 10 apt-get update -qq
  retry 5 10 apt-get install -y -qq --no-install-recommends ca-certificates curl
}

# One index refresh and one apt transaction for everything the boot needs.
main_install() {
  local keyring=/usr/share/keyrings/hashicorp-archive-keyring.asc codename want spec missing=0
  read -r -a want <<<"$PACKAGES"
  # jq parses the Secret Manager answers (fetch_material).
  want+=(jq)
  # No Recommends (docker.io's pull in git, needrestart, criu and more, unused here), but
  # AppArmor's parser stays: without it Docker silently runs containers unconfined although
  # the kernel enforces AppArmor (docker/for-linux#976).
  case " ${want[*]} " in *" docker.io "*) want+=(apparmor) ;; esac
  for spec in "${want[@]}"; do
    case "$spec" in
      *=*) dpkg-query -W -f='${Version}' "${spec%%=*}" 2>/dev/null | grep -qx "${spec#*=}" || missing=1 ;;
      *) dpkg-query -W "$spec" >/dev/null 2>&1 || missing=1 ;;
    esac
  done
  if [ "$missing" -eq 1 ]; then
    if ! command -v curl >/dev/null || [ ! -s /etc/ssl/certs/ca-certificates.crt ]; then
      install_fetch_tools
    fi
    # shellcheck disable=SC1091 # os-release exists on every Debian image
    codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
    # apt reads an ASCII-armored key from a .asc file (apt >= 1.4), so no gnupg to dearmor it.
    if [ ! -s "$keyring" ]; then
      retry 5 10 curl -fsSL -o "$keyring.tmp" https://apt.releases.hashicorp.com/gpg
      mv "$keyring.tmp" "$keyring"
    fi
    echo "deb [signed-by=$keyring] https://apt.releases.hashicorp.com $codename main" >/etc/apt/sources.list.d/hashicorp.list
    retry 5 10 apt-get update -qq
    retry 5 10 apt-get install -y -qq --no-install-recommends --allow-downgrades "${want[@]}"
  fi
  # Versions come from config only: unattended upgrades must not move them.
  apt-mark hold consul consul-enterprise nomad nomad-enterprise >/dev/null 2>&1 || true
  # The packages ship example configs that would merge with ours (nomad.hcl enables both
  # server and client); their units require those files, so point the units at ours.
  rm -f /etc/consul.d/consul.hcl /etc/nomad.d/nomad.hcl
  mkdir -p /etc/systemd/system/consul.service.d /etc/systemd/system/nomad.service.d
  printf '[Unit]\nConditionFileNotEmpty=\nConditionFileNotEmpty=/etc/consul.d/consul.json\n' >/etc/systemd/system/consul.service.d/hashistack.conf
  printf '[Unit]\nConditionFileNotEmpty=\nConditionFileNotEmpty=/etc/nomad.d/nomad.json\n' >/etc/systemd/system/nomad.service.d/hashistack.conf
  systemctl daemon-reload
}

# Servers keep Raft data on a separate persistent disk that the MIG preserves when it
# re-creates the instance (stateful disk "data").
mount_data_disk() {
  local disk=/dev/disk/by-id/google-data
  retry 30 2 test -b "$disk"
  if ! blkid "$disk" >/dev/null 2>&1; then
    mkfs.ext4 -q -m 0 -L hashistack-data "$disk"
  fi
  mkdir -p /opt/hashistack
  grep -q 'LABEL=hashistack-data' /etc/fstab || echo 'LABEL=hashistack-data /opt/hashistack ext4 defaults,nofail 0 2' >>/etc/fstab
  mountpoint -q /opt/hashistack || mount /opt/hashistack
  mkdir -p /opt/hashistack/consul /opt/hashistack/nomad
  chown consul:consul /opt/hashistack/consul
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
    version=$(cni_plugin_version "$CNI_DIR/$plugin") || return 1
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
    *)
      log "no pinned CNI plugins for architecture $arch"
      return 1
      ;;
  esac
  tmp=$(mktemp)
  retry 5 10 curl -fsSL -o "$tmp" \
    "https://github.com/containernetworking/plugins/releases/download/v$CNI_VERSION/cni-plugins-linux-$arch-v$CNI_VERSION.tgz"
  if ! printf '%s  %s\n' "$sum" "$tmp" | sha256sum --check --status; then
    rm -f "$tmp"
    log "CNI plugins v$CNI_VERSION ($arch): checksum mismatch, not installed"
    return 1
  fi
  tar -xzf "$tmp" -C "$CNI_DIR"
  rm -f "$tmp"
  if ! cni_plugins_pinned; then
    log "CNI plugins in $CNI_DIR do not report v$CNI_VERSION to Nomad's fingerprint"
    return 1
  fi
}

# Clients: bridge networking for Nomad (CNI plugins in /opt/cni/bin, bridge netfilter).
prepare_client_host() {
  mkdir -p "$CNI_DIR" /opt/hashistack/consul /opt/hashistack/nomad
  chown consul:consul /opt/hashistack/consul
  install_cni_plugins
  if [ ! -e "$CNI_DIR/consul-cni" ] && command -v consul-cni >/dev/null 2>&1; then
    ln -sf "$(command -v consul-cni)" "$CNI_DIR/consul-cni"
  fi
  # Nomad places transparent-proxy groups only where consul-cni reports >= 1.4.2.
  if ! cni_plugin_version "$CNI_DIR/consul-cni" >/dev/null; then
    log "consul-cni in $CNI_DIR reports no version Nomad can read"
    return 1
  fi
  modprobe br_netfilter
  printf 'net.bridge.bridge-nf-call-arptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.bridge.bridge-nf-call-iptables = 1\n' >/etc/sysctl.d/60-nomad-bridge.conf
  echo br_netfilter >/etc/modules-load.d/nomad-bridge.conf
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
  # First boot: Docker already runs, so apply now as well (the script is idempotent).
  systemctl restart hashistack-workload-firewall.service
}

fetch_material() {
  local ip name gossip agent_token dns_token nomad_token
  mkdir -p "$TLS_DIR" /etc/hashistack/secrets
  chmod 0750 /etc/hashistack/secrets
  put_secret "$SECRET_CA_CERT" "$CA_FILE" 0644 root:root
  put_secret "$SECRET_TLS_CERT" "$CERT_FILE" 0644 root:root
  put_secret "$SECRET_TLS_KEY" "$KEY_FILE" 0640 root:consul

  ip=$(curl -fsS -H 'Metadata-Flavor: Google' http://169.254.169.254/computeMetadata/v1/instance/network-interfaces/0/ip)
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

start_services() {
  systemctl enable consul nomad >/dev/null
  if [ "$CONSUL_CHANGED" -eq 1 ]; then systemctl restart consul; else systemctl start consul; fi
  if [ "$NOMAD_CHANGED" -eq 1 ]; then systemctl restart nomad; else systemctl start nomad; fi
}

consul_has_leader() {
  curl -fsS --cacert "$CA_FILE" "$CONSUL_HTTPS/v1/status/leader" | grep -q ':'
}

nomad_has_leader() {
  curl -fsS --cacert "$CA_FILE" "$NOMAD_HTTPS/v1/status/leader" | grep -q ':'
}

# ensure_token <accessor> <secret-file> <policy> <description>: creates the pre-generated
# token once; a concurrent create by another server is fine (the read then succeeds).
ensure_token() {
  local accessor=$1 file=$2 policy=$3 description=$4
  consul acl token read -accessor-id "$accessor" >/dev/null 2>&1 && return 0
  consul acl token create -accessor "$accessor" -secret "$(cat "$file")" -policy-name "$policy" \
    -description "$description" >/dev/null 2>&1 || consul acl token read -accessor-id "$accessor" >/dev/null
}

# ensure_policy <name>: creates the policy, or brings an existing one's rules up to date.
ensure_policy() {
  local name=$1 rules=@/etc/hashistack/policies/$1.json
  if consul acl policy read -name "$name" >/dev/null 2>&1; then
    consul acl policy update -name "$name" -rules "$rules" >/dev/null
    return
  fi
  consul acl policy create -name "$name" -description "hashistack: $name" -rules "$rules" \
    >/dev/null 2>&1 || consul acl policy read -name "$name" >/dev/null
}

# Servers: agent tokens in Consul (from the pre-generated secrets), then Nomad's ACL
# bootstrap with the pre-generated management token. Both are idempotent.
bootstrap_acls() {
  export CONSUL_HTTP_ADDR="$CONSUL_HTTPS" CONSUL_CACERT="$CA_FILE"
  export CONSUL_HTTP_TOKEN_FILE=/etc/hashistack/secrets/consul-management-token
  local policy
  retry 120 5 consul_has_leader
  for policy in hashistack-server-agent hashistack-client-agent hashistack-dns \
    hashistack-nomad-server hashistack-nomad-client; do
    retry 12 5 ensure_policy "$policy"
  done
  retry 12 5 ensure_token "$ACCESSOR_SERVER_AGENT" /etc/hashistack/secrets/consul-server-agent-token hashistack-server-agent "hashistack server agents"
  retry 12 5 ensure_token "$ACCESSOR_CLIENT_AGENT" /etc/hashistack/secrets/consul-client-agent-token hashistack-client-agent "hashistack client agents"
  retry 12 5 ensure_token "$ACCESSOR_DNS" /etc/hashistack/secrets/consul-dns-token hashistack-dns "hashistack DNS"
  retry 12 5 ensure_token "$ACCESSOR_NOMAD_SERVER" /etc/hashistack/secrets/nomad-server-consul-token hashistack-nomad-server "hashistack Nomad servers"
  retry 12 5 ensure_token "$ACCESSOR_NOMAD_CLIENT" /etc/hashistack/secrets/nomad-client-consul-token hashistack-nomad-client "hashistack Nomad clients"

  export NOMAD_ADDR="$NOMAD_HTTPS" NOMAD_CACERT="$CA_FILE"
  retry 120 5 nomad_has_leader
  local out
  if ! out=$(nomad acl bootstrap /etc/hashistack/secrets/nomad-management-token 2>&1); then
    if ! grep -q 'already done' <<<"$out"; then
      log "nomad acl bootstrap failed: $out"
      return 1
    fi
  fi
}
