#!/usr/bin/env bash
# Sandbox stand-ins for every command a startup script runs that changes the machine or
# talks to a service (tests/harness/boot/sandbox.ts links each name to this file). Each
# records its arguments in $SANDBOX_STATE/calls.log and answers like the real tool, with
# state kept under $SANDBOX_STATE (packages, units, mounts, Consul/Nomad ACLs, owners).
# Files go under $HASHISTACK_SYSROOT only: a path outside it is an error, never a write.
# Environment (set by sandbox.ts): SANDBOX_STATE, HASHISTACK_SYSROOT, SANDBOX_REAL (real
# curl and install), SANDBOX_FAKE_URL (the fake GCE server, which also serves the GitHub
# release downloads), SANDBOX_METADATA_URL (where the metadata server answers, or a closed
# port), SANDBOX_HOSTNAME, SANDBOX_FAIL.
# shellcheck disable=SC2015 # `A && B || fail` is meant: fail unless both hold.
set -uo pipefail
readonly S=$SANDBOX_STATE R=$HASHISTACK_SYSROOT
cmd=${0##*/}

# One call per line: name and arguments separated by tabs, newlines escaped.
record() {
  local line=$cmd a
  for a in "$@"; do line+=$'\t'"${a//$'\n'/\\n}"; done
  printf '%s\n' "$line" >>"$S/calls.log"
}
record "$@"

die() {
  local rc=$1
  shift
  printf '%s\n' "$*" >&2
  exit "$rc"
}

# rel <path>: the path as the script meant it (sandbox root removed); outside it: an error.
rel() {
  case $1 in
    "$R" | "$R"/*) printf '%s' "${1#"$R"}" ;;
    *) die 99 "sandbox: $cmd was given $1, outside the sandbox root $R (prefix it with \$SYSROOT)" ;;
  esac
}

# fails <what>: whether the test asked this call to fail (SANDBOX_FAIL, comma-separated).
fails() { [[ ",${SANDBOX_FAIL:-}," == *",$1,"* ]]; }

# Any command can be made to fail (SANDBOX_FAIL=cmd:<name>), as an unexpected error would.
if fails "cmd:$cmd"; then die 1 "$cmd: failed (injected by the test)"; fi

user_exists() { [ "$1" = root ] || grep -q "^$1:" "$R/etc/passwd" 2>/dev/null; }
group_exists() { [ "$1" = root ] || grep -q "^$1:" "$R/etc/group" 2>/dev/null; }

# set_owner <path> <owner:group>: what a real chown would have done, in the owners ledger.
set_owner() {
  local p
  p=$(rel "$1") || exit 99
  grep -vF -- "$p"$'\t' "$S/owners" >"$S/owners.tmp" 2>/dev/null
  printf '%s\t%s\n' "$p" "$2" >>"$S/owners.tmp"
  mv "$S/owners.tmp" "$S/owners"
}

check_owner() {
  user_exists "$1" || die 1 "$cmd: invalid user '$1'"
  group_exists "$2" || die 1 "$cmd: invalid group '$2'"
}

add_user() {
  user_exists "$1" || printf '%s:x:999:999::/home/%s:/bin/false\n' "$1" "$1" >>"$R/etc/passwd"
  group_exists "$1" || printf '%s:x:999:\n' "$1" >>"$R/etc/group"
}

# --- packages ---------------------------------------------------------------------------

# unit_file <unit>: the unit's file as systemd picks it: /etc/systemd/system (the
# administrator's, where the script writes its own units) before the packages' /usr/lib.
unit_file() {
  local u=${1%.service}
  if [ -f "$R/etc/systemd/system/$u.service" ]; then
    printf '%s/etc/systemd/system/%s.service' "$R" "$u"
  else
    printf '%s/usr/lib/systemd/system/%s.service' "$R" "$u"
  fi
}

# postinst <package>: what the package's installation leaves on the machine.
postinst() {
  case $1 in
    consul | consul-enterprise | nomad | nomad-enterprise)
      local product=${1%-enterprise}
      add_user "$product"
      mkdir -p "$R/etc/$product.d" "$R/usr/lib/systemd/system"
      printf '# example config shipped by the %s package\n' "$1" >"$R/etc/$product.d/$product.hcl"
      printf '[Service]\nExecStart=/usr/bin/%s agent\n' "$product" >"$(unit_file "$product")"
      ;;
    docker.io)
      group_exists docker || printf 'docker:x:998:\n' >>"$R/etc/group"
      mkdir -p "$R/usr/lib/systemd/system"
      printf '[Service]\nExecStart=/usr/sbin/dockerd\n' >"$(unit_file docker)"
      ;;
    containernetworking-plugins)
      mkdir -p "$R/usr/lib/cni"
      local p
      for p in bridge firewall host-local loopback portmap; do printf 'cni %s\n' "$p" >"$R/usr/lib/cni/$p"; done
      ;;
  esac
}

apt_get() {
  local sub="" a specs=()
  for a in "$@"; do
    case $a in
      -*) ;;
      *) if [ -z "$sub" ]; then sub=$a; else specs+=("$a"); fi ;;
    esac
  done
  case $sub in
    update)
      fails apt-update && die 100 "E: Failed to fetch https://apt.releases.hashicorp.com/dists/bookworm/InRelease  Could not connect"
      # The HashiCorp packages are listed only once their repository and keyring are set up.
      local list=$R/etc/apt/sources.list.d/hashicorp.list keyring
      keyring=$(sed -n 's/.*signed-by=\([^]]*\)\].*/\1/p' "$list" 2>/dev/null)
      if [ -n "$keyring" ] && [ -s "$R$keyring" ] && grep -q 'https://apt.releases.hashicorp.com bookworm main' "$list"; then
        cp "$S/apt/repo" "$S/apt/lists"
      else
        grep -v $'\thashicorp$' "$S/apt/repo" >"$S/apt/lists"
      fi
      ;;
    install)
      local spec pkg version found
      fails apt-install && die 100 "E: Failed to fetch https://apt.releases.hashicorp.com/pool/main/c/consul/consul_amd64.deb  503  Service Unavailable [IP: 127.0.0.1 443]"
      for spec in "${specs[@]}"; do
        pkg=${spec%%=*}
        grep -q "^$pkg"$'\t' "$S/apt/lists" 2>/dev/null || die 100 "E: Unable to locate package $pkg"
        if [[ $spec == *=* ]]; then
          version=${spec#*=}
          awk -F'\t' -v p="$pkg" -v v="$version" '$1 == p && $2 == v { f = 1 } END { exit !f }' "$S/apt/lists" ||
            die 100 "E: Version '$version' for '$pkg' was not found"
        fi
      done
      for spec in "${specs[@]}"; do
        pkg=${spec%%=*}
        if [[ $spec == *=* ]]; then version=${spec#*=}; else version=$(grep "^$pkg"$'\t' "$S/apt/lists" | head -n 1 | cut -f2); fi
        if grep -q "^$pkg"$'\t' "$S/dpkg" 2>/dev/null; then found=1; else found=0; fi
        grep -v "^$pkg"$'\t' "$S/dpkg" >"$S/dpkg.tmp" 2>/dev/null
        printf '%s\t%s\n' "$pkg" "$version" >>"$S/dpkg.tmp"
        mv "$S/dpkg.tmp" "$S/dpkg"
        if [ "$found" = 0 ]; then postinst "$pkg"; fi
        echo "Setting up $pkg ($version) ..."
      done
      ;;
    *) die 100 "E: Invalid operation $sub" ;;
  esac
}

apt_cache() {
  [ "${1:-}" = madison ] || die 100 "E: sandbox apt-cache knows only madison"
  local pkg=$2
  grep "^$pkg"$'\t' "$S/apt/lists" 2>/dev/null | while IFS=$'\t' read -r p v origin; do
    printf '%10s | %s | %s\n' "$p" "$v" "$origin bookworm/main amd64 Packages"
  done
}

dpkg_query() {
  local format="" pkg="" a version
  for a in "$@"; do
    case $a in
      -f=* | --showformat=*) format=${a#*=} ;;
      -*) ;;
      *) pkg=$a ;;
    esac
  done
  version=$(grep "^$pkg"$'\t' "$S/dpkg" 2>/dev/null | cut -f2)
  [ -n "$version" ] || die 1 "dpkg-query: no packages found matching $pkg"
  if [ -n "$format" ]; then printf '%s' "$version"; else printf '%s\t%s\n' "$pkg" "$version"; fi
}

gpg_shim() {
  local out="" a prev=""
  for a in "$@"; do
    if [ "$prev" = -o ] || [ "$prev" = --output ]; then out=$a; fi
    prev=$a
  done
  local input
  input=$(cat)
  [[ $input == *"-----BEGIN PGP PUBLIC KEY BLOCK-----"* ]] || die 2 "gpg: no valid OpenPGP data found."
  rel "$out" >/dev/null || exit 99
  printf 'sandbox keyring\n' >"$out"
}

# --- services -----------------------------------------------------------------------------

# The agents' units only start with a non-empty config (the script's drop-in condition).
condition_met() {
  case $1 in
    consul) [ -s "$R/etc/consul.d/consul.json" ] ;;
    nomad) [ -s "$R/etc/nomad.d/nomad.json" ] ;;
    *) true ;;
  esac
}

# run_oneshot <start|restart> <unit>: a oneshot unit (RemainAfterExit=yes) runs its
# ExecStart (under the sandbox root, with these stand-ins on PATH) when started while
# inactive, or restarted; starting it while active does nothing, as systemd does.
run_oneshot() {
  local sub=$1 u=$2 exec_start
  if [ "$sub" = start ] && [ -f "$S/units/$u.active" ]; then return 0; fi
  exec_start=$(sed -n 's/^ExecStart=//p' "$(unit_file "$u")")
  rm -f "$S/units/$u.active"
  "$R$exec_start" || die 1 "Job for $u.service failed because the control process exited with error code."
  touch "$S/units/$u.active"
}

systemctl_shim() {
  local sub=$1 now=0 u units=()
  shift
  for u in "$@"; do
    case $u in
      --now) now=1 ;;
      -*) ;;
      *) units+=("${u%.service}") ;;
    esac
  done
  mkdir -p "$S/units"
  case $sub in
    daemon-reload) ;;
    enable)
      for u in "${units[@]}"; do
        [ -f "$(unit_file "$u")" ] || die 1 "Failed to enable unit: Unit file $u.service does not exist."
        touch "$S/units/$u.enabled"
        if [ "$now" -eq 1 ]; then touch "$S/units/$u.active"; fi
      done
      ;;
    start | restart)
      for u in "${units[@]}"; do
        [ -f "$(unit_file "$u")" ] || die 5 "Failed to $sub $u.service: Unit $u.service not found."
        if fails "unit:$u"; then
          rm -f "$S/units/$u.active"
          die 1 "Job for $u.service failed because the control process exited with error code."
        fi
        if grep -qx 'Type=oneshot' "$(unit_file "$u")"; then
          run_oneshot "$sub" "$u"
        elif condition_met "$u"; then
          touch "$S/units/$u.active"
        fi
      done
      ;;
    is-active) [ -f "$S/units/${units[0]}.active" ] || die 3 inactive ;;
    *) die 1 "sandbox systemctl: unknown command $sub" ;;
  esac
}

# --- Consul and Nomad CLIs --------------------------------------------------------------------

UUID='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'

# flag <name> <args...>: the value of -name (or -name=value).
flag() {
  local name=$1 prev="" a
  shift
  for a in "$@"; do
    if [ "$prev" = "-$name" ]; then
      printf '%s' "$a"
      return 0
    fi
    case $a in "-$name="*) printf '%s' "${a#*=}" && return 0 ;; esac
    prev=$a
  done
  return 1
}

# agent_api <product> <addr> <cacert>: what any CLI call meets before the API answers:
# the local agent running, HTTPS to it, our CA trusted.
agent_api() {
  local product=$1 want=$2 addr=$3 ca=$4
  [ -f "$S/units/$product.active" ] || die 1 "Error: Get \"$want\": dial tcp ${want#https://}: connect: connection refused"
  [ "$addr" = "$want" ] || die 1 "Error: $product address is '$addr', expected $want"
  [ -n "$ca" ] && cmp -s "$ca" "$S/expected-ca.pem" || die 1 "Error: tls: failed to verify certificate: x509: certificate signed by unknown authority"
}

# not_modelled: a CLI call the stand-in does not answer like the real tool fails loudly
# (never a silent success the script could rely on).
not_modelled() { die 127 "sandbox: $cmd $* is not modelled (add it to shims.sh)"; }

consul_shim() {
  case "${1:-} ${2:-} ${3:-}" in
    "acl policy read" | "acl policy create" | "acl policy update" | "acl token read" | "acl token create") ;;
    *) not_modelled "$@" ;;
  esac
  agent_api consul https://127.0.0.1:8501 "${CONSUL_HTTP_ADDR:-}" "${CONSUL_CACERT:-}"
  local token management
  token=$(cat "${CONSUL_HTTP_TOKEN_FILE:-/nonexistent}" 2>/dev/null)
  management=$(jq -r '.acl.tokens.initial_management // empty' "$R/etc/consul.d/secrets.json" 2>/dev/null)
  [ -n "$token" ] && [ "$token" = "$management" ] || die 1 "Error: Unexpected response code: 403 (ACL not found)"
  mkdir -p "$S/consul/policies" "$S/consul/tokens"
  local what="$2 $3" name accessor secret policy rules
  shift 3
  case $what in
    "policy read")
      name=$(flag name "$@")
      [ -f "$S/consul/policies/$name.json" ] || die 1 "Error reading policy \"$name\": Unexpected response code: 404 (Requested policy does not exist: ACL not found)"
      echo "Name: $name"
      ;;
    "policy create")
      name=$(flag name "$@")
      rules=$(flag rules "$@")
      [ ! -f "$S/consul/policies/$name.json" ] || die 1 "Failed to create new policy: Unexpected response code: 500 (Invalid Policy: A Policy with Name \"$name\" already exists)"
      [[ $rules == @* ]] && rel "${rules#@}" >/dev/null && jq -e . "${rules#@}" >/dev/null 2>&1 ||
        die 1 "Failed to create new policy: Unexpected response code: 400 (Failed to parse ACL rules)"
      cp "${rules#@}" "$S/consul/policies/$name.json"
      echo "Name: $name"
      ;;
    "policy update")
      name=$(flag name "$@")
      rules=$(flag rules "$@")
      [ -f "$S/consul/policies/$name.json" ] || die 1 "Failed to update policy: Unexpected response code: 404 (Requested policy does not exist: ACL not found)"
      [[ $rules == @* ]] && rel "${rules#@}" >/dev/null && jq -e . "${rules#@}" >/dev/null 2>&1 ||
        die 1 "Failed to update policy: Unexpected response code: 400 (Failed to parse ACL rules)"
      cp "${rules#@}" "$S/consul/policies/$name.json"
      ;;
    "token read")
      accessor=$(flag accessor-id "$@")
      [ -f "$S/consul/tokens/$accessor" ] || die 1 "Error reading token \"$accessor\": Unexpected response code: 403 (ACL not found)"
      echo "AccessorID: $accessor"
      ;;
    "token create")
      accessor=$(flag accessor "$@")
      secret=$(flag secret "$@")
      policy=$(flag policy-name "$@")
      [[ $accessor =~ $UUID ]] && [[ $secret =~ $UUID ]] || die 1 "Failed to create new token: Unexpected response code: 400 (Invalid Accessor or Secret ID)"
      [ -f "$S/consul/policies/$policy.json" ] || die 1 "Failed to create new token: Unexpected response code: 500 (Invalid Policy: A Policy with Name \"$policy\" does not exist)"
      [ ! -f "$S/consul/tokens/$accessor" ] || die 1 "Failed to create new token: Unexpected response code: 500 (Invalid Token: AccessorID is already in use)"
      printf '%s\t%s\t%s\n' "$secret" "$policy" "$(flag description "$@")" >"$S/consul/tokens/$accessor"
      echo "AccessorID: $accessor"
      ;;
    *) not_modelled "$what" ;;
  esac
}

nomad_shim() {
  [ "${1:-} ${2:-}" = "acl bootstrap" ] || not_modelled "$@"
  agent_api nomad https://127.0.0.1:4646 "${NOMAD_ADDR:-}" "${NOMAD_CACERT:-}"
  local file=${3:-} token
  token=$(cat "$file" 2>/dev/null) || die 1 "Error reading provided token: open $file: no such file or directory"
  [[ $token =~ $UUID ]] || die 1 "Error bootstrapping: Unexpected response code: 400 (invalid acl token)"
  mkdir -p "$S/nomad"
  # A leader just elected but not yet established answers 500 "No cluster leader"
  # (structs.ErrNoLeader): SANDBOX_FAIL=nomad-no-leader once, nomad-no-leader-always always.
  if fails nomad-no-leader-always || { fails nomad-no-leader && [ ! -f "$S/nomad/no-leader-said" ]; }; then
    touch "$S/nomad/no-leader-said"
    die 1 "Error bootstrapping: Unexpected response code: 500 (No cluster leader)"
  fi
  [ ! -f "$S/nomad/bootstrap" ] || die 1 "Error bootstrapping: Unexpected response code: 400 (ACL bootstrap already done (reset index: 7))"
  printf '%s' "$token" >"$S/nomad/bootstrap"
  printf 'Accessor ID  = 00000000-0000-4000-8000-000000000001\nSecret ID    = %s\nType         = management\n' "$token"
}

# consul-cni: run with no arguments (as Nomad's fingerprint does), it prints its "about"
# line with the installed package's version; without the package there is no binary.
consul_cni_shim() {
  local version
  version=$(grep '^consul-cni'$'\t' "$S/dpkg" 2>/dev/null | cut -f2)
  [ -n "$version" ] || die 127 "consul-cni: command not found"
  if [ $# -eq 0 ]; then
    printf 'CNI consul-cni plugin v%s\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0\n' "${version%-*}" >&2
  fi
}

# --- files and disks --------------------------------------------------------------------------

install_shim() {
  local mode="" owner=root group=root dirs=0 args=() a
  while [ $# -gt 0 ]; do
    case $1 in
      -m) mode=$2 && shift 2 ;;
      -o) owner=$2 && shift 2 ;;
      -g) group=$2 && shift 2 ;;
      -d) dirs=1 && shift ;;
      -D) shift ;;
      -*) die 1 "sandbox install: unsupported option $1" ;;
      *) args+=("$1") && shift ;;
    esac
  done
  check_owner "$owner" "$group"
  local targets=("${args[@]: -1}")
  if [ "$dirs" -eq 1 ]; then targets=("${args[@]}"); fi
  for a in "${targets[@]}"; do rel "$a" >/dev/null || exit 99; done
  if [ "$dirs" -eq 1 ]; then
    "$SANDBOX_REAL/install" -d ${mode:+-m "$mode"} "${args[@]}" || exit 1
  else
    "$SANDBOX_REAL/install" -D ${mode:+-m "$mode"} "${args[@]}" || exit 1
  fi
  for a in "${targets[@]}"; do set_owner "$a" "$owner:$group"; done
}

chown_shim() {
  local spec="" a paths=()
  for a in "$@"; do
    case $a in
      -*) ;;
      *) if [ -z "$spec" ]; then spec=$a; else paths+=("$a"); fi ;;
    esac
  done
  check_owner "${spec%%:*}" "${spec##*:}"
  for a in "${paths[@]}"; do
    [ -e "$a" ] || die 1 "chown: cannot access '$a': No such file or directory"
    set_owner "$a" "${spec%%:*}:${spec##*:}"
  done
}

blkid_shim() {
  local dev=${!#}
  rel "$dev" >/dev/null || exit 99
  local fs
  fs=$(head -n 1 "$dev" 2>/dev/null)
  [[ $fs == ext4* ]] || exit 2
  printf '%s: LABEL="%s" TYPE="ext4"\n' "$dev" "${fs#*LABEL=}"
}

mkfs_shim() {
  local dev=${!#} label
  label=$(flag L "$@") || label=""
  rel "$dev" >/dev/null || exit 99
  printf 'ext4 LABEL=%s\n' "$label" >"$dev"
}

mount_shim() {
  local dir
  dir=$(rel "${!#}") || exit 99
  local label
  label=$(awk -v d="$dir" '$2 == d && $1 ~ /^LABEL=/ { sub(/^LABEL=/, "", $1); print $1 }' "$R/etc/fstab" 2>/dev/null)
  [ -n "$label" ] || die 1 "mount: $dir: can't find in /etc/fstab."
  grep -q "LABEL=$label\$" "$R/dev/disk/by-id/google-data" 2>/dev/null || die 32 "mount: $dir: special device LABEL=$label does not exist."
  printf '%s\n' "$dir" >>"$S/mounts"
}

mountpoint_shim() {
  local dir
  dir=$(rel "${!#}") || exit 99
  grep -qxF "$dir" "$S/mounts" 2>/dev/null
}

useradd_shim() { add_user "${!#}"; }

# iptables: rules as lines per table; enough for -N/-A/-I/-C/-D/-S and save/restore.
iptables_shim() {
  local table=filter args=() prev=""
  for a in "$@"; do
    if [ "$prev" = -t ]; then
      table=$a
      prev=""
      continue
    fi
    case $a in
      -t) ;;
      -w | --wait) ;;
      *) args+=("$a") ;;
    esac
    prev=$a
  done
  mkdir -p "$S/iptables"
  local f=$S/iptables/$cmd-$table op=${args[0]:-} rule="${args[*]:1}"
  touch "$f"
  # -I <chain> [<position>] <rule>: the position is not part of the rule.
  if [ "$op" = -I ] && [[ ${args[2]:-} =~ ^[0-9]+$ ]]; then rule="${args[1]} ${args[*]:3}"; fi
  case $op in
    -N)
      if grep -qxF -- "-N ${args[1]}" "$f"; then die 1 "iptables: Chain already exists."; fi
      echo "-N ${args[1]}" >>"$f"
      ;;
    -A) echo "-A $rule" >>"$f" ;;
    -I)
      { echo "-A $rule" && cat "$f"; } >"$f.tmp"
      mv "$f.tmp" "$f"
      ;;
    -F)
      grep -qxF -- "-N ${args[1]}" "$f" || die 1 "iptables: No chain/target/match by that name."
      grep -v -- "^-A ${args[1]} " "$f" >"$f.tmp"
      mv "$f.tmp" "$f"
      ;;
    -C) grep -qxF -- "-A $rule" "$f" || die 1 "iptables: Bad rule (does a matching rule exist in that chain?)." ;;
    -D)
      grep -qxF -- "-A $rule" "$f" || die 1 "iptables: Bad rule (does a matching rule exist in that chain?)."
      grep -vxF -- "-A $rule" "$f" >"$f.tmp"
      mv "$f.tmp" "$f"
      ;;
    -S) cat "$f" ;;
    *) ;;
  esac
}

# --- network --------------------------------------------------------------------------------

# curl: the same flags, aimed at the fake GCE server. HTTPS to the local agents is verified
# here against the program's CA (the agents present certificates it signed); any other host
# does not resolve (the sandbox has no internet).
curl_shim() {
  local out=() cacert="" url=""
  while [ $# -gt 0 ]; do
    case $1 in
      --cacert) cacert=$2 && shift 2 ;;
      # Options with a value: passed on as they are (a value is never the URL).
      -H | --header | -X | --request | -d | --data | --data-raw | --data-binary | -o | --output | \
        -w | --write-out | --connect-timeout | -m | --max-time | --retry | -A | -u)
        out+=("$1" "$2") && shift 2 ;;
      http://* | https://*) url=$1 && shift ;;
      *) out+=("$1") && shift ;;
    esac
  done
  local target
  case $url in
    http://169.254.169.254/* | http://metadata.google.internal/*)
      target=$SANDBOX_METADATA_URL/${url#http://*/} ;;
    https://secretmanager.googleapis.com/*) target=$SANDBOX_FAKE_URL/secretmanager/${url#https://*/} ;;
    https://apt.releases.hashicorp.com/*) target=$SANDBOX_FAKE_URL/apt/${url#https://*/} ;;
    # Release downloads (the CNI plugins): the fake serves a stand-in release (sandbox.ts).
    https://github.com/*) target=$SANDBOX_FAKE_URL/github/${url#https://*/} ;;
    https://127.0.0.1:8501/* | https://127.0.0.1:4646/*)
      [ -n "$cacert" ] && cmp -s "$cacert" "$S/expected-ca.pem" ||
        die 60 "curl: (60) SSL certificate problem: unable to get local issuer certificate"
      case $url in
        https://127.0.0.1:8501/*) target=$SANDBOX_FAKE_URL/consul/${url#https://*/} ;;
        *) target=$SANDBOX_FAKE_URL/nomad/${url#https://*/} ;;
      esac
      ;;
    *)
      local host=${url#*://}
      die 6 "curl: (6) Could not resolve host: ${host%%/*}"
      ;;
  esac
  exec "$SANDBOX_REAL/curl" "${out[@]}" "$target"
}

case $cmd in
  apt-get) apt_get "$@" ;;
  apt-cache) apt_cache "$@" ;;
  dpkg-query) dpkg_query "$@" ;;
  gpg) gpg_shim "$@" ;;
  systemctl) systemctl_shim "$@" ;;
  consul) consul_shim "$@" ;;
  nomad) nomad_shim "$@" ;;
  install) install_shim "$@" ;;
  chown) chown_shim "$@" ;;
  hostname) printf '%s\n' "$SANDBOX_HOSTNAME" ;;
  dpkg) [ "${1:-}" = --print-architecture ] && echo amd64 ;;
  blkid) blkid_shim "$@" ;;
  mkfs.ext4) mkfs_shim "$@" ;;
  mount) mount_shim "$@" ;;
  mountpoint) mountpoint_shim "$@" ;;
  useradd) useradd_shim "$@" ;;
  iptables | ip6tables) iptables_shim "$@" ;;
  curl) curl_shim "$@" ;;
  consul-cni) consul_cni_shim "$@" ;;
  # Recorded, nothing else to model: they succeed on a healthy VM.
  apt-mark | modprobe | sysctl | sleep | docker | groupadd | usermod | \
    update-ca-certificates | netfilter-persistent | iptables-save | iptables-restore) ;;
  *) die 127 "sandbox: no shim for $cmd" ;;
esac
