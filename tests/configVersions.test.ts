import { DEFAULTS } from "../components/config/keys";
import { ConfigReader } from "../components/config/reader";
import { RawConfig } from "../components/config/types";
import {
  MIN_CONSUL_VERSION,
  MIN_NOMAD_VERSION,
  checkVersions,
  compareVersions,
  versionOk,
} from "../components/config/versions";
import { acmeConfig, baseConfig, configProblems, problemLine } from "./harness/configCases";

const base = acmeConfig;
const problems = configProblems;
const VERSION = (min: string) =>
  `a release version x.y.z, at least ${min}, with major 1 or 2, minor and patch at most 99 and no leading zeros (no "v" prefix, no "+ent": Enterprise follows the license)`;

describe("versions", () => {
  test.each([
    ["1.18.0", MIN_CONSUL_VERSION],
    ["1.22.6", MIN_CONSUL_VERSION],
    ["2.0.0", MIN_CONSUL_VERSION],
    ["2.99.99", MIN_CONSUL_VERSION],
    ["1.8.0", MIN_NOMAD_VERSION],
    ["1.10.3", MIN_NOMAD_VERSION],
    ["2.0.5", MIN_NOMAD_VERSION],
  ])("accepts %s (floor %s)", (v, min) => {
    expect(versionOk(v, min)).toBe(true);
  });

  test.each([
    ["1.17.9", "below the floor"],
    ["1.9.0", "below the floor (numeric, not string, order)"],
    ["3.0.0", "a major two past the floor's"],
    ["1.100.0", "a three-digit minor"],
    ["1.18.100", "a three-digit patch"],
    ["01.18.0", "a leading zero in the major"],
    ["1.018.0", "a leading zero in the minor"],
    ["1.18.00", "a leading zero in the patch"],
    ["1.18", "two parts"],
    ["1.18.0.1", "four parts"],
    ["v1.18.0", "a v prefix"],
    ["1.18.0+ent", "an Enterprise suffix"],
    ["1.18.0-rc1", "a pre-release"],
    [" 1.18.0", "whitespace"],
    ["99999999999999999999.0.0", "an absurd number"],
  ])("refuses %s (%s) for Consul", (v) => {
    expect(versionOk(v, MIN_CONSUL_VERSION)).toBe(false);
  });

  test("compares numerically, part by part", () => {
    expect(compareVersions("1.10.0", "1.9.9")).toBeGreaterThan(0);
    expect(compareVersions("1.18.0", "1.18.0")).toBe(0);
    expect(compareVersions("1.17.99", "1.18.0")).toBeLessThan(0);
  });

  test("the defaults are accepted", () => {
    expect(versionOk(DEFAULTS.consulVersion, MIN_CONSUL_VERSION)).toBe(true);
    expect(versionOk(DEFAULTS.nomadVersion, MIN_NOMAD_VERSION)).toBe(true);
  });
});

describe("checkVersions", () => {
  test("the defaults are the pinned releases", () => {
    expect(checkVersions(new ConfigReader({}))).toEqual({
      value: { consulVersion: "1.22.6", nomadVersion: "1.10.3" },
      problems: [],
    });
  });

  test("Consul first, then Nomad, each against its own floor", () => {
    const found = checkVersions(
      new ConfigReader({ nomadVersion: "1.7.0", consulVersion: "1.17.0" }),
    );
    expect(found.problems.map(problemLine)).toEqual([
      `hashistack:consulVersion: received "1.17.0"; allowed: ${VERSION("1.18.0")}`,
      `hashistack:nomadVersion: received "1.7.0"; allowed: ${VERSION("1.8.0")}`,
    ]);
  });

  test("a version left blank is refused, not taken as the floor", () => {
    expect(
      checkVersions(new ConfigReader({ consulVersion: "" })).problems.map(problemLine),
    ).toEqual([`hashistack:consulVersion: received ""; allowed: ${VERSION("1.18.0")}`]);
  });
});

describe("versions through validateConfig: one exact message each", () => {
  const cases: [string, RawConfig, string][] = [
    [
      "bad Consul version",
      base({ consulVersion: "v1.21" }),
      'hashistack:consulVersion: received "v1.21"; allowed: a release version x.y.z, at least 1.18.0, with major 1 or 2, minor and patch at most 99 and no leading zeros (no "v" prefix, no "+ent": Enterprise follows the license)',
    ],
    [
      "too old Nomad version",
      base({ nomadVersion: "1.6.9" }),
      'hashistack:nomadVersion: received "1.6.9"; allowed: a release version x.y.z, at least 1.8.0, with major 1 or 2, minor and patch at most 99 and no leading zeros (no "v" prefix, no "+ent": Enterprise follows the license)',
    ],
  ];

  test.each(cases)(
    "rejects %s with one message naming key, value and what is allowed",
    (_name, raw, message) => {
      expect(problems(raw)).toEqual([message]);
    },
  );
});

/** Versions that cannot exist (bad input that used to get through, issue 11). */
const rules: [string, Record<string, string | undefined>, string][] = [
  [
    "a leading zero",
    { consulVersion: "1.022.6" },
    `hashistack:consulVersion: received "1.022.6"; allowed: ${VERSION("1.18.0")}`,
  ],
  [
    "an absurd patch",
    { nomadVersion: "1.10.300" },
    `hashistack:nomadVersion: received "1.10.300"; allowed: ${VERSION("1.8.0")}`,
  ],
  [
    "an absurd major",
    { consulVersion: "12.0.0" },
    `hashistack:consulVersion: received "12.0.0"; allowed: ${VERSION("1.18.0")}`,
  ],
];

describe("versions that cannot exist: bad input that used to get through", () => {
  test.each(rules)("refuses %s with one exact message", (_name, values, message) => {
    expect(configProblems(baseConfig(values))).toEqual([message]);
  });
});
