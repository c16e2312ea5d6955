/** Helpers for the scripts that drive the Pulumi CLI (deploy, destroy, env). */
import { spawnSync } from "child_process";

/** The one-line explanation printed when the Pulumi CLI is missing. */
export const NO_CLI =
  "The Pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/iac/download-install/), log in to a backend (`pulumi login`, or `pulumi login --local` for the file backend), then run this again.";

/** True when `pulumi version` runs. */
export function hasPulumiCli(): boolean {
  const r = spawnSync("pulumi", ["version"], { encoding: "utf8" });
  return !r.error && r.status === 0;
}
