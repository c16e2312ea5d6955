import { PROJECT_RE, REGION_RE, checkGcp } from "../components/config/gcp";
import { baseConfig, configProblems } from "./harness/configCases";
import { validateConfig } from "../components/config/loadConfig";

/**
 * Every GCP region as Google's product location pages list them (Compute Engine "Regions and
 * zones", Cloud SQL, Batch, Filestore, Dataflow locations), with the three newest from
 * Google's release notes: northamerica-south1 (Querétaro), europe-north2 (Stockholm, Dataflow
 * 2025-03-04) and asia-southeast3 (Bangkok, AlloyDB 2026-01-20). When GCP opens a region in
 * a new geography, add it here and the test says whether the pattern takes it.
 */
const GCP_REGIONS: readonly string[] = [
  "africa-south1",
  "asia-east1",
  "asia-east2",
  "asia-northeast1",
  "asia-northeast2",
  "asia-northeast3",
  "asia-south1",
  "asia-south2",
  "asia-southeast1",
  "asia-southeast2",
  "asia-southeast3",
  "australia-southeast1",
  "australia-southeast2",
  "europe-central2",
  "europe-north1",
  "europe-north2",
  "europe-southwest1",
  "europe-west1",
  "europe-west2",
  "europe-west3",
  "europe-west4",
  "europe-west6",
  "europe-west8",
  "europe-west9",
  "europe-west10",
  "europe-west12",
  "me-central1",
  "me-central2",
  "me-west1",
  "northamerica-northeast1",
  "northamerica-northeast2",
  "northamerica-south1",
  "southamerica-east1",
  "southamerica-west1",
  "us-central1",
  "us-east1",
  "us-east4",
  "us-east5",
  "us-south1",
  "us-west1",
  "us-west2",
  "us-west3",
  "us-west4",
];

describe("GCP regions", () => {
  test("the list is the 43 regions, each once", () => {
    expect(new Set(GCP_REGIONS).size).toBe(43);
  });

  test.each(GCP_REGIONS)("the pattern accepts %s, and so does validation", (region) => {
    expect(REGION_RE.test(region)).toBe(true);
    expect(validateConfig(baseConfig({}, { gcpRegion: region }), "dc1").region).toBe(region);
  });

  test("every geography the pattern names has a region (none invented)", () => {
    const named = /\^\(([^)]+)\)/.exec(REGION_RE.source)?.[1]?.split("|") ?? [];
    const used = new Set(GCP_REGIONS.map((r) => r.split("-")[0]));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((g) => !used.has(g))).toEqual([]);
  });

  test.each([
    ["europe-west1-b", "a zone"],
    ["eu-west1", "a short form"],
    ["europe-west", "no number"],
    ["europe-west0", "number zero"],
    ["europe-west100", "three digits"],
    ["Europe-west1", "upper case"],
    ["mars-north1", "no such geography"],
    ["us-up1", "no such direction"],
  ])("refuses %s (%s) with the key, the value and what is allowed", (region) => {
    expect(REGION_RE.test(region)).toBe(false);
    expect(configProblems(baseConfig({}, { gcpRegion: region }))).toEqual([
      `gcp:region: received "${region}"; allowed: a GCP region such as europe-west1 (required)`,
    ]);
  });
});

describe("GCP project ids", () => {
  test.each(["my-project-1", "abcdef", `a${"b".repeat(28)}c`])("accepts %s", (id) => {
    expect(PROJECT_RE.test(id)).toBe(true);
  });

  test.each(["abcde", `a${"b".repeat(29)}c`, "1project", "my-project-", "My-project"])(
    "refuses %s",
    (id) => {
      expect(configProblems(baseConfig({}, { gcpProject: id }))).toEqual([
        `gcp:project: received "${id}"; allowed: a GCP project id: 6-30 lowercase letters, digits or hyphens (required)`,
      ]);
    },
  );
});

describe("checkGcp", () => {
  test("the project, then the region; both required", () => {
    expect(checkGcp({ values: {}, gcpProject: "my-project-1", gcpRegion: "us-east4" })).toEqual({
      value: { project: "my-project-1", region: "us-east4" },
      problems: [],
    });
    expect(checkGcp({ values: {}, gcpRegion: "eu-west1" }).problems.map((p) => p.key)).toEqual([
      "gcp:project",
      "gcp:region",
    ]);
  });
});
