/**
 * The readiness gate's bounds: how long `pulumi up` waits for a new datacenter.
 */
import { Checked, ConfigReader } from "./reader";

/**
 * Shortest readiness timeout: 15 minutes, the first-boot allowance the program gives
 * autohealing (`nodeGroup.ts` `AUTOHEAL_INITIAL_DELAY_SEC`, checked equal by a test). It is
 * not a measured boot time: no boot can be measured offline, and a boot's length depends on
 * the machine type and the package mirrors. It is the one figure the program commits to:
 * GCE does not judge a new VM before it, so a gate that gave up sooner could fail a
 * deployment whose VMs GCE still counts as booting. A generous floor costs nothing when a
 * boot fails: a VM that reports a failed boot ends the wait at once (`readiness.ts` reads
 * the boot report), so the timeout only bounds a boot that hangs without a word.
 */
export const MIN_READINESS_TIMEOUT_MINUTES = 15;

/** Longest readiness timeout: two hours; beyond that something is broken, not slow. */
export const MAX_READINESS_TIMEOUT_MINUTES = 120;

/** What `readinessTimeoutMinutes` allows. */
export const READINESS_ALLOWED =
  `an integer from ${MIN_READINESS_TIMEOUT_MINUTES} to ${MAX_READINESS_TIMEOUT_MINUTES}: ` +
  `at least the ${MIN_READINESS_TIMEOUT_MINUTES} minutes autohealing gives a new VM before judging it, ` +
  `so the gate never gives up on VMs GCE still counts as booting (a failed boot ends the wait at once)`;

/** `readinessTimeoutMinutes`: whole minutes within the bounds above. */
export function checkReadiness(r: ConfigReader): Checked<number> {
  return r.result(
    r.integer(
      "readinessTimeoutMinutes",
      MIN_READINESS_TIMEOUT_MINUTES,
      MAX_READINESS_TIMEOUT_MINUTES,
      READINESS_ALLOWED,
    ),
  );
}
