/**
 * What the real CLI does with Pulumi.yaml and each Pulumi.<stack>.yaml before the program
 * runs (tests/harness/cliConfig.ts replays pkg/workspace/config.go): the committed stacks
 * pass, broken variants fail with the CLI's own words, and the program's defaults agree with
 * the declarations.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { DEFAULTS, KNOWN_KEYS } from "../components/config/keys";
import { LICENSE_KEYS } from "../components/config/types";
import {
  configValueFromDefault,
  formatMissingKeys,
  ProjectSpec,
  validateProject,
  validateStackConfig,
} from "./harness/cliConfig";
import { ROOT } from "./harness/stackConfig";

const load = (file: string) => yaml.load(fs.readFileSync(path.join(ROOT, file), "utf8"));
const project = load("Pulumi.yaml") as ProjectSpec;
const stackFiles = fs.readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
const stackConfig = (stack: string) => ({
  ...((load(`Pulumi.${stack}.yaml`) as { config: Record<string, unknown> }).config ?? {}),
});

describe("the replay itself matches the CLI's tests", () => {
  // pkg/workspace/config_project_test.go
  test("missing keys are listed sorted, as the CLI words them", () => {
    expect(formatMissingKeys(["values"])).toBe("'values'");
    expect(formatMissingKeys(["values", "another"])).toBe("'another' and 'values'");
    expect(formatMissingKeys(["world", "hello", "values"])).toBe("'hello', 'values' and 'world'");
  });
});

describe("the committed project and stacks", () => {
  test("Pulumi.yaml passes the CLI's project validation", () => {
    expect(() => validateProject(project)).not.toThrow();
  });

  test("there are stack files to check", () => {
    expect(stackFiles.sort()).toEqual(["Pulumi.dc1.yaml", "Pulumi.dc2.yaml"]);
  });

  test.each(stackFiles.map((f) => f.split(".")[1] as string))(
    "Pulumi.%s.yaml passes the CLI's stack-config validation",
    (stack) => {
      expect(() => validateStackConfig(stack, project, stackConfig(stack))).not.toThrow();
    },
  );

  test("the program's defaults are exactly Pulumi.yaml's declarations", () => {
    const declared = Object.fromEntries(
      Object.entries(project.config ?? {}).map(([k, t]) => [
        k,
        t.default === undefined ? undefined : configValueFromDefault(t.default).text,
      ]),
    );
    expect(declared).toEqual(DEFAULTS);
    // The licenses are read but not declared: an optional secret cannot be declared.
    for (const key of LICENSE_KEYS) expect(Object.keys(declared)).not.toContain(key);
    expect(KNOWN_KEYS).toEqual([...Object.keys(DEFAULTS), ...LICENSE_KEYS]);
  });

  test.each([
    ["absent", {}],
    ["set with pulumi config set --secret", { secure: "v1:Zm9vYmFy" }],
  ])("a stack file with licenses %s is accepted", (_how, value) => {
    const config: Record<string, unknown> = stackConfig("dc1");
    if (Object.keys(value).length > 0) {
      config["hashistack:consulLicense"] = value;
      config["hashistack:nomadLicense"] = value;
    }
    const merged = validateStackConfig("dc1", project, config, () => "02MV4UU43BK5HGYY");
    expect(merged["hashistack:consulLicense"]?.secure ?? false).toBe(Object.keys(value).length > 0);
  });
});

describe("broken stack files fail with the CLI's words", () => {
  const broken = (edit: Record<string, unknown>, stack = "dc1") => {
    const config: Record<string, unknown> = stackConfig(stack);
    for (const [k, v] of Object.entries(edit)) {
      if (v === undefined) delete config[k];
      else config[k] = v;
    }
    return () => validateStackConfig(stack, project, config);
  };

  test.each([
    [
      "required keys missing",
      { "hashistack:datacenter": undefined, "hashistack:subnetCidr": undefined },
      "Stack 'dc1' is missing configuration values 'datacenter' and 'subnetCidr'",
    ],
    [
      "no operator ranges",
      { "hashistack:operatorCidrs": undefined },
      "Stack 'dc1' is missing configuration value 'operatorCidrs'",
    ],
    [
      "a word for an integer",
      { "hashistack:serverCount": "three" },
      "Stack 'dc1' with configuration key 'serverCount' must be of type 'integer'",
    ],
    [
      "a fraction for an integer",
      { "hashistack:clientCount": 1.5 },
      "Stack 'dc1' with configuration key 'clientCount' must be of type 'integer'",
    ],
    [
      "a string for a list",
      { "hashistack:operatorCidrs": "203.0.113.0/24" },
      "Stack 'dc1' with configuration key 'operatorCidrs' must be of type 'array<string>'",
    ],
    [
      "a list of numbers for a list of strings",
      { "hashistack:peers": [1, 2] },
      "Stack 'dc1' with configuration key 'peers' must be of type 'array<string>'",
    ],
    [
      "yes for a boolean",
      { "hashistack:protectCluster": "yes" },
      "Stack 'dc1' with configuration key 'protectCluster' must be of type 'boolean'",
    ],
  ])("%s", (_name, edit, message) => {
    expect(broken(edit)).toThrow(message);
  });

  test("values that pass the CLI but not the program reach the program's validation", () => {
    // The CLI checks types only; ranges and formats are the program's (tests/config.test.ts).
    expect(
      broken({ "hashistack:serverCount": 4, "hashistack:subnetCidr": "8.8.0.0/16" }),
    ).not.toThrow();
  });
});

describe("why the licenses are not declared: the old declarations under the CLI", () => {
  const withLicenses = (extra: Record<string, unknown>): ProjectSpec => ({
    ...project,
    config: {
      ...project.config,
      consulLicense: { type: "string", secret: true, ...extra },
      nomadLicense: { type: "string", secret: true, ...extra },
    },
  });

  test("secret: true without a default: every stack without licenses is refused", () => {
    expect(() => validateStackConfig("dc1", withLicenses({}), stackConfig("dc1"))).toThrow(
      "Stack 'dc1' is missing configuration values 'consulLicense' and 'nomadLicense'",
    );
  });

  test('default "": the plain default of a secret key is refused', () => {
    const p = withLicenses({ default: "" });
    expect(() => validateProject(p)).not.toThrow();
    expect(() => validateStackConfig("dc1", p, stackConfig("dc1"))).toThrow(
      "Stack 'dc1' with configuration key 'consulLicense' must be encrypted as it's secret",
    );
  });

  test("a secret key given in plain text is refused; given secure, accepted", () => {
    const p = withLicenses({});
    const config = stackConfig("dc1");
    config["hashistack:nomadLicense"] = { secure: "v1:YmFy" };
    config["hashistack:consulLicense"] = "02MV4UU43BK5HGYY";
    expect(() => validateStackConfig("dc1", p, config)).toThrow(
      "Stack 'dc1' with configuration key 'consulLicense' must be encrypted as it's secret",
    );
    config["hashistack:consulLicense"] = { secure: "v1:Zm9v" };
    expect(() => validateStackConfig("dc1", p, config, () => "LICENSE")).not.toThrow();
  });
});
