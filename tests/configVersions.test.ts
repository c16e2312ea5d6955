import { DEFAULTS } from "../components/config/loadConfig";
import {
  MIN_CONSUL_VERSION,
  MIN_NOMAD_VERSION,
  compareVersions,
  versionOk,
} from "../components/config/versions";

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
