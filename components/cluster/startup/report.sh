# Repository notes, up to the `shellcheck shell=bash` directive: the renderer drops them, so
# they may cite repository paths (the rendered scripts never do: moving a file must not change
# the instance templates). components/cluster/startupScript.ts appends the rest of this file
# after the settings header, before lib.sh. The guest-attribute contract (BOOT_NAMESPACE,
# BOOT_KEY_*) is components/cluster/bootReport.ts; tests/bootErrTrap.test.ts runs the ERR trap.
# Kept as a real file so shellcheck reads it directly.
# shellcheck shell=bash
# hashistack boot reporting: fail fast, name the first failure, and report boot progress.
# shellcheck disable=SC2154 # settings (ROLE, BOOT_NAMESPACE, BOOT_KEY_*) come from the header.
# Fail fast everywhere: the ERR trap also fires inside functions and command substitutions
# (-E), and a failure inside `$(...)` stops the script too (inherit_errexit, bash >= 4.4).
set -E
shopt -s inherit_errexit
readonly METADATA=http://169.254.169.254

log() { echo "hashistack-startup[$ROLE]: $*" >&2; }

# --- Boot progress as GCE guest attributes (contract: the BOOT_* settings of the header) -------
# Written with PUT .../instance/guest-attributes/<namespace>/<key> (Metadata-Flavor:
# Google). Best effort: a report that cannot be written (guest attributes disabled, the
# metadata server down) is logged and never fails the boot. GCE allows about 10 guest-
# attribute queries a minute per VM: one boot writes at most 10 (running, each of the 8
# steps or the steps up to a failure, then ready or failed + boot-error), so a step is
# written once, when it starts; and above a burst of 3 writes a
# second GCE may drop writes, so consecutive writes are kept 0.4 s apart.
# boot-error means something only with boot-status=failed: a later boot (a reboot) writes
# boot-status=running again and leaves an old boot-error in place.
BOOT_STEP=start
BOOT_STATUS_SENT=0
GUEST_LAST_WRITE=0
# The first failure's message: explicit ones (fail) in error, the ERR trap's in trace. Files,
# because a failure inside a command substitution happens in a subshell.
BOOT_TMP=$(mktemp -d)

guest_attribute() {
  if [ $((${EPOCHREALTIME//[!0-9]/} - GUEST_LAST_WRITE)) -lt 400000 ]; then sleep 0.4; fi
  GUEST_LAST_WRITE=${EPOCHREALTIME//[!0-9]/}
  curl -fsS --connect-timeout 2 --max-time 5 -X PUT -H 'Metadata-Flavor: Google' \
    --data-raw "$2" "$METADATA/computeMetadata/v1/instance/guest-attributes/$BOOT_NAMESPACE/$1" >/dev/null 2>&1 ||
    log "could not write guest attribute $BOOT_NAMESPACE/$1 (guest attributes disabled or metadata server down)"
}

# boot_step <step>: the script enters a step (one of BOOT_STEPS); `done` also reports ready.
boot_step() {
  BOOT_STEP=$1
  log "step: $1"
  if [ "$BOOT_STATUS_SENT" -eq 0 ]; then
    guest_attribute "$BOOT_KEY_STATUS" running
    BOOT_STATUS_SENT=1
  fi
  guest_attribute "$BOOT_KEY_STEP" "$1"
  if [ "$1" = "done" ]; then guest_attribute "$BOOT_KEY_STATUS" ready; fi
}

# fail <message>: stops the boot with a message naming what failed. Also from inside a
# command substitution: the first failure's message is kept for the report.
fail() {
  [ -s "$BOOT_TMP/error" ] || printf '%s' "$*" >"$BOOT_TMP/error"
  exit 1
}

# Any other failing command: the first one is reported with its line and exit status (as
# written in the script, without the sandbox prefix). In a pipeline $BASH_COMMAND is its
# last command while pipefail took the status of the last one that failed: then the message
# says "pipeline ending in <cmd>" with every command's status (PIPESTATUS, in order).
on_error() {
  [ -s "$BOOT_TMP/trace" ] && return 0
  local statuses=${4:-} command=${3//\$SYSROOT/}
  if [ "${statuses// /}" != "$statuses" ]; then
    printf 'line %s: pipeline ending in %s failed with status %s (statuses in order: %s)' "$2" "$command" "$1" "$statuses" >"$BOOT_TMP/trace"
  else
    printf 'line %s: %s exited with status %s' "$2" "$command" "$1" >"$BOOT_TMP/trace"
  fi
}

# On a failed exit: one log line and the guest attributes `failed` + "<step>: <message>".
on_exit() {
  local rc=$? message
  if [ "$rc" -ne 0 ] && [ "$BASHPID" = "$$" ]; then
    message=$(cat "$BOOT_TMP/error" 2>/dev/null || cat "$BOOT_TMP/trace" 2>/dev/null || true)
    message=${message:-exit status $rc}
    message=${message//[$'\n\r']/ }
    log "FAILED at step $BOOT_STEP: $message"
    guest_attribute "$BOOT_KEY_STATUS" failed
    # One line, bounded: the gate quotes it in its error.
    guest_attribute "$BOOT_KEY_ERROR" "$BOOT_STEP: ${message:0:480}"
  fi
  rm -rf "$BOOT_TMP"
}
trap 'on_error $? $LINENO "$BASH_COMMAND" "${PIPESTATUS[*]}"' ERR
trap on_exit EXIT

