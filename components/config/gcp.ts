/**
 * GCP location and project rules.
 */
import { problem } from "./problem";
import { Checked } from "./reader";
import { ConfigProblem, RawConfig } from "./types";

/**
 * GCP region names: `<geography>-<direction><number>` (us-central1, europe-west12,
 * northamerica-northeast2, me-central1). A zone (`europe-west1-b`), a short form
 * (`eu-west1`) or a missing number is refused here rather than by the first API call.
 * The geographies are hard-coded: a region in a new one (say `southasia-`) would be refused
 * until added here; tests/configGcp.test.ts runs the pattern over every region GCP lists.
 */
export const REGION_RE =
  /^(africa|asia|australia|europe|me|northamerica|southamerica|us)-(central|east|west|north|south|northeast|northwest|southeast|southwest)[1-9][0-9]?$/;

/** GCP project ids: 6-30 lowercase letters, digits or hyphens, starting with a letter. */
export const PROJECT_RE = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** The GCP provider's settings this program needs (`gcp:project`, `gcp:region`). */
export interface GcpSettings {
  project: string;
  region: string;
}

/** `gcp:project` and `gcp:region`: both required, in GCP's own forms. */
export function checkGcp(raw: RawConfig): Checked<GcpSettings> {
  const problems: ConfigProblem[] = [];
  const { gcpProject: project, gcpRegion: region } = raw;
  if (!project || !PROJECT_RE.test(project))
    problems.push(
      problem(
        "gcp:project",
        project,
        "a GCP project id: 6-30 lowercase letters, digits or hyphens (required)",
      ),
    );
  if (!region || !REGION_RE.test(region))
    problems.push(problem("gcp:region", region, "a GCP region such as europe-west1 (required)"));
  return { value: { project: project ?? "", region: region ?? "" }, problems };
}
