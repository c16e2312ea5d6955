/**
 * Enterprise licenses as the program uses them (pure: tested without the runtime).
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigProblem, LICENSE_KEYS, LicenseKey, PROJECT, RawConfig, RawSecret } from "./types";

/**
 * The licenses that count: a blank (empty or whitespace) license is no license, so it turns
 * nothing Enterprise on. A license stored in plain text is refused: it would sit readable in
 * the stack file, and the CLI does not enforce secrecy for undeclared keys. Messages never
 * show a license.
 */
export function licenseValues(
  raw: RawConfig,
  problems: ConfigProblem[],
): Partial<Record<LicenseKey, pulumi.Output<string>>> {
  const out: Partial<Record<LicenseKey, pulumi.Output<string>>> = {};
  for (const key of LICENSE_KEYS) {
    const lic: RawSecret | undefined = raw[key];
    if (!lic || lic.value.trim() === "") continue;
    if (!lic.secret) {
      problems.push({
        key: `${PROJECT}:${key}`,
        received: "a plain-text value (not shown)",
        allowed: `a secret: pulumi config set --secret ${PROJECT}:${key} <license> (plain text would sit readable in the stack file)`,
      });
      continue;
    }
    out[key] = pulumi.secret(lic.value);
  }
  return out;
}
