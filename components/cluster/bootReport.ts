/**
 * The contract between the VMs' startup scripts (which write their boot progress) and the
 * readiness gate (which reads it while it waits): GCE guest attributes, under one namespace.
 * A VM writes them with `PUT .../computeMetadata/v1/instance/guest-attributes/<ns>/<key>`;
 * the gate reads them with the Compute API's `instances.getGuestAttributes?queryPath=<ns>/`.
 * Guest attributes must be enabled per instance (`enable-guest-attributes=TRUE` metadata).
 */

/** Guest-attribute namespace of every key below. */
export const BOOT_REPORT_NAMESPACE = "hashistack";

/** Keys under {@link BOOT_REPORT_NAMESPACE}. */
export const BOOT_REPORT_KEYS = {
  /** The step the script is in now (one of {@link BOOT_STEPS}). */
  step: "boot-step",
  /** `running`, `ready` (the script finished) or `failed`. */
  status: "boot-status",
  /** On failure: the failed step and the first error message, one line. */
  error: "boot-error",
} as const;

/** What {@link BOOT_REPORT_KEYS.status} may hold. */
export type BootStatus = "running" | "ready" | "failed";

/** Boot steps in the order a startup script runs them (both roles; servers have more). */
export const BOOT_STEPS = [
  "packages",
  // Host preparation after the packages: the servers' data disk, the clients' kernel
  // modules, sysctls, CNI and iptables for Nomad's bridge networking.
  "host",
  "secrets",
  "configs",
  "services",
  "acl-bootstrap",
  "agent-tokens",
  "done",
] as const;

/** One boot step's name. */
export type BootStep = (typeof BOOT_STEPS)[number];
