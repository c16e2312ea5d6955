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

# Clients: bridge networking for Nomad (CNI plugins in /opt/cni/bin, bridge netfilter).
prepare_client_host() {
  mkdir -p /opt/cni/bin /opt/hashistack/consul /opt/hashistack/nomad
  chown consul:consul /opt/hashistack/consul
  local plugin
  for plugin in /usr/lib/cni/*; do
    [ -e "$plugin" ] && ln -sf "$plugin" "/opt/cni/bin/$(basename "$plugin")"
  done
  if [ ! -e /opt/cni/bin/consul-cni ] && command -v consul-cni >/dev/null 2>&1; then
    ln -sf "$(command -v consul-cni)" /opt/cni/bin/consul-cni
  fi
  modprobe br_netfilter
  printf 'net.bridge.bridge-nf-call-arptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.bridge.bridge-nf-call-iptables = 1\n' >/etc/sysctl.d/60-nomad-bridge.conf
  echo br_netfilter >/etc/modules-load.d/nomad-bridge.conf
  sysctl --system >/dev/null
  systemctl enable --now docker
}

fetch_material() {
  local ip name gossip agent_token nomad_token
  mkdir -p "$TLS_DIR" /etc/hashistack/secrets
  chmod 0750 /etc/hashistack/secrets
  put_secret "$SECRET_CA_CERT" "$CA_FILE" 0644 root:root
  put_secret "$SECRET_TLS_CERT" "$CERT_FILE" 0644 root:root
  put_secret "$SECRET_TLS_KEY" "$KEY_FILE" 0640 root:consul

  ip=$(curl -fsS -H 'Metadata-Flavor: Google' http://169.254.169.254/computeMetadata/v1/instance/network-interfaces/0/ip)
  name=$(hostname -s)
  gossip=$(checked_secret "$SECRET_CONSUL_GOSSIP" "$B64_RE")
  agent_token=$(checked_secret "$SECRET_CONSUL_AGENT_TOKEN" "$UUID_RE")
  nomad_token=$(checked_secret "$SECRET_NOMAD_CONSUL_TOKEN" "$UUID_RE")

  if [ "$ROLE" = server ]; then
    printf '{"node_name": "%s", "bind_addr": "%s", "advertise_addr": "%s"}\n' "$name" "$ip" "$ip" |
      write_file /etc/consul.d/node.json 0644 root:consul
  else
    printf '{"node_name": "%s", "bind_addr": "%s", "advertise_addr": "%s", "addresses": {"grpc": "127.0.0.1 %s"}}\n' \
      "$name" "$ip" "$ip" "$ip" | write_file /etc/consul.d/node.json 0644 root:consul
  fi
  printf '{"name": "%s", "advertise": {"http": "%s", "rpc": "%s", "serf": "%s"}}\n' "$name" "$ip" "$ip" "$ip" |
    write_file /etc/nomad.d/node.json 0644 root:root

  if [ "$ROLE" = server ]; then
    local mgmt nomad_gossip nomad_mgmt client_token
    mgmt=$(checked_secret "$SECRET_CONSUL_MGMT" "$UUID_RE")
    nomad_gossip=$(checked_secret "$SECRET_NOMAD_GOSSIP" "$B64_RE")
    printf '{"encrypt": "%s", "acl": {"tokens": {"initial_management": "%s", "agent": "%s", "dns": "%s"}}}\n' \
      "$gossip" "$mgmt" "$agent_token" "$agent_token" | write_file /etc/consul.d/secrets.json 0640 root:consul
    printf '{"server": {"encrypt": "%s"}, "consul": {"token": "%s"}}\n' "$nomad_gossip" "$nomad_token" |
      write_file /etc/nomad.d/secrets.json 0600 root:root
    # Files the bootstrap step reads; never passed on a command line except token create.
    printf '%s' "$mgmt" | write_file /etc/hashistack/secrets/consul-management-token 0600 root:root
    nomad_mgmt=$(checked_secret "$SECRET_NOMAD_MGMT" "$UUID_RE")
    client_token=$(checked_secret "$SECRET_NOMAD_CLIENT_CONSUL_TOKEN" "$UUID_RE")
    printf '%s' "$nomad_mgmt" | write_file /etc/hashistack/secrets/nomad-management-token 0600 root:root
    printf '%s' "$agent_token" | write_file /etc/hashistack/secrets/consul-agent-token 0600 root:root
    printf '%s' "$nomad_token" | write_file /etc/hashistack/secrets/nomad-server-consul-token 0600 root:root
    printf '%s' "$client_token" | write_file /etc/hashistack/secrets/nomad-client-consul-token 0600 root:root
    if [ -n "$SECRET_CONSUL_LICENSE" ]; then
      put_secret "$SECRET_CONSUL_LICENSE" "$CONSUL_LICENSE_FILE" 0640 root:consul
    fi
    if [ -n "$SECRET_NOMAD_LICENSE" ]; then
      put_secret "$SECRET_NOMAD_LICENSE" "$NOMAD_LICENSE_FILE" 0600 root:root
    fi
  else
    printf '{"encrypt": "%s", "acl": {"tokens": {"agent": "%s", "dns": "%s"}}}\n' "$gossip" "$agent_token" "$agent_token" |
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

ensure_policy() {
  local name=$1
  consul acl policy read -name "$name" >/dev/null 2>&1 && return 0
  consul acl policy create -name "$name" -description "hashistack: $name" \
    -rules "@/etc/hashistack/policies/$name.json" >/dev/null 2>&1 || consul acl policy read -name "$name" >/dev/null
}

# Servers: agent tokens in Consul (from the pre-generated secrets), then Nomad's ACL
# bootstrap with the pre-generated management token. Both are idempotent.
bootstrap_acls() {
  export CONSUL_HTTP_ADDR="$CONSUL_HTTPS" CONSUL_CACERT="$CA_FILE"
  export CONSUL_HTTP_TOKEN_FILE=/etc/hashistack/secrets/consul-management-token
  retry 120 5 consul_has_leader
  retry 12 5 ensure_policy hashistack-agents
  retry 12 5 ensure_policy hashistack-nomad-server
  retry 12 5 ensure_policy hashistack-nomad-client
  retry 12 5 ensure_token "$ACCESSOR_AGENT" /etc/hashistack/secrets/consul-agent-token hashistack-agents "hashistack agents"
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
