# Recording fakes of the system commands components/cluster/startup/lib.sh main_install calls
# (tests/install.test.ts). Each logs to $SANDBOX/calls; apt-get install records what it
# installed in $SANDBOX/installed, which dpkg-query then answers from.
# shellcheck shell=bash
# shellcheck disable=SC2154 # SANDBOX comes from the test's preamble.
apt-get() {
  echo "apt-get $*" >>"$SANDBOX/calls"
  if [ "$1" = install ]; then
    local a
    for a in "$@"; do
      case "$a" in -* | install) ;; *) echo "$a" >>"$SANDBOX/installed" ;; esac
    done
  fi
}
dpkg-query() {
  local name="${!#}" line
  line=$(grep -E "^$name(=|$)" "$SANDBOX/installed" 2>/dev/null | head -n1) || return 1
  case "$*" in *Version*) printf '%s' "${line#*=}" ;; esac
}
curl() {
  echo "curl $*" >>"$SANDBOX/calls"
  local out=""
  while [ $# -gt 0 ]; do
    [ "$1" = -o ] && out=$2
    shift
  done
  if [ -n "$out" ]; then echo "-----BEGIN PGP PUBLIC KEY BLOCK-----" >"$out"; fi
}
# Every package the boot asks for is published: its pinned version, or 1.0.
apt-cache() {
  local spec
  for spec in $PACKAGES jq apparmor; do
    case "$spec" in
      "$2="*) echo " $2 | ${spec#*=} | https://apt.releases.hashicorp.com bookworm/main amd64 Packages" ;;
      "$2") echo " $2 | 1.0 | https://deb.debian.org/debian bookworm/main amd64 Packages" ;;
    esac
  done
}
apt-mark() { echo "apt-mark $*" >>"$SANDBOX/calls"; }
systemctl() { echo "systemctl $*" >>"$SANDBOX/calls"; }
sleep() { :; }
