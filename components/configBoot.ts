/**
 * How long a first boot may take, and so the shortest readiness timeout that can work.
 */

/**
 * Shortest readiness timeout: 15 minutes. The gate waits from the moment the instance groups
 * exist; in that time each VM boots Debian, installs Docker, Consul, Nomad and the CNI
 * plugins from their package repositories through Cloud NAT, fetches its secrets, starts the
 * agents; then the servers elect leaders, bootstrap ACLs and the clients register: typically
 * 5 to 8 minutes, longer on small shared-core machines or slow mirrors. 15 minutes is the
 * same first-boot allowance the program gives autohealing (`nodeGroup.ts`
 * `AUTOHEAL_INITIAL_DELAY_SEC`, checked equal by a test): a gate that gave up sooner would
 * fail a deployment whose VMs autohealing still counts as booting.
 */
export const MIN_READINESS_TIMEOUT_MINUTES = 15;

/** Longest readiness timeout: two hours; beyond that something is broken, not slow. */
export const MAX_READINESS_TIMEOUT_MINUTES = 120;

/** What `readinessTimeoutMinutes` allows. */
export const READINESS_ALLOWED =
  `an integer from ${MIN_READINESS_TIMEOUT_MINUTES} to ${MAX_READINESS_TIMEOUT_MINUTES}: ` +
  `a first boot (packages, secrets, agents, leader election, ACL bootstrap) can take ` +
  `${MIN_READINESS_TIMEOUT_MINUTES} minutes, the allowance autohealing gives a new VM`;
