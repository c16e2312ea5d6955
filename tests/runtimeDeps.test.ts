/**
 * What `pulumi up` needs at run time is installed by a production install. The Node.js
 * language runtime compiles index.ts with the project's `typescript` and `ts-node` when
 * present and otherwise falls back to its vendored TypeScript 3.8.3 / ts-node 7
 * (@pulumi/pulumi tsutils.js typeScriptRequireStrings), which cannot compile this program;
 * ts-node type-checks against the tsconfig named in Pulumi.yaml, whose `types` must be
 * installed too. `npm ci --omit=dev` installs exactly the lockfile entries not flagged
 * `dev`/`devOptional` (checked once with `npm ci --dry-run --omit=dev`: the same 256).
 */
import { builtinModules } from "module";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "./harness/stackConfig";

const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");
const project = yaml.load(read("Pulumi.yaml")) as {
  runtime: { name: string; options: { typescript?: boolean; tsconfig?: string } };
};
const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string> };
const lock = JSON.parse(read("package-lock.json")) as {
  packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
};
/** Packages a production install (`npm ci --omit=dev`) puts into node_modules. */
const production = new Set(
  Object.entries(lock.packages)
    .filter(([k, v]) => k.startsWith("node_modules/") && !v.dev && !v.devOptional)
    .map(([k]) => k.slice("node_modules/".length)),
);

/** The package a bare import names, or undefined for a Node built-in. */
function packageOf(spec: string): string | undefined {
  const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
  return name && !builtinModules.includes(name) && !name.startsWith("node:") ? name : undefined;
}

/** Bare imports of the program's sources (index.ts and components/), without Node built-ins. */
function programImports(): string[] {
  const files = [
    "index.ts",
    ...fs
      .readdirSync(path.join(ROOT, "components"), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => `components/${f}`),
  ];
  const names = new Set<string>();
  for (const f of files) {
    for (const m of read(f).matchAll(/(?:from |require\()"([^".][^"]*)"/g)) {
      const name = packageOf(m[1] as string);
      if (name) names.add(name);
    }
  }
  return [...names].sort();
}

/** Packages the given files import, following their relative imports (`x` → `x.ts`). */
function importClosure(roots: string[]): string[] {
  const seen = new Set<string>();
  const names = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of read(file).matchAll(/(?:from |require\()"([^"]+)"/g)) {
      const spec = m[1] as string;
      if (!spec.startsWith(".")) {
        const name = packageOf(spec);
        if (name) names.add(name);
        continue;
      }
      const base = path.join(path.dirname(file), spec);
      const next = [`${base}.ts`, path.join(base, "index.ts")].find((f) =>
        fs.existsSync(path.join(ROOT, f)),
      );
      if (next) visit(next);
    }
  };
  roots.forEach(visit);
  return [...names].sort();
}

describe("runtime needs in a production install", () => {
  const tsconfigFile = project.runtime.options.tsconfig as string;
  const tsconfig = JSON.parse(read(tsconfigFile)) as {
    extends: string;
    compilerOptions: { types: string[] };
    include: string[];
  };

  test("Pulumi.yaml compiles the program with its own tsconfig, which holds no test types", () => {
    expect(project.runtime).toMatchObject({
      name: "nodejs",
      options: { typescript: true, tsconfig: "tsconfig.pulumi.json" },
    });
    expect(tsconfig).toMatchObject({
      extends: "./tsconfig.json",
      compilerOptions: { types: ["node"] },
      include: ["index.ts", "components/**/*.ts"],
    });
  });

  test("the compiler, the tsconfig's types and every package the program imports are production dependencies", () => {
    const needed = [
      "typescript",
      "ts-node",
      ...tsconfig.compilerOptions.types.map((t) => `@types/${t}`),
      ...programImports(),
    ];
    expect(programImports()).toEqual(
      expect.arrayContaining(["@pulumi/consul", "@pulumi/gcp", "@pulumi/pulumi"]),
    );
    expect(needed.filter((n) => !(n in pkg.dependencies))).toEqual([]);
    expect(needed.filter((n) => !production.has(n))).toEqual([]);
  });

  test("test-only packages stay out of a production install", () => {
    for (const n of ["jest", "@types/jest", "eslint", "ts-jest"])
      expect(production.has(n)).toBe(false);
  });
});

describe("npm run deploy and destroy need the full install", () => {
  // scripts/deploy.ts and what it imports; `up` runs the policy pack (policy/) as CI does.
  const needed = importClosure(["scripts/deploy.ts", "policy/index.ts"]);
  const devOnly = needed.filter((n) => !production.has(n));

  test("they need a development dependency (the policy pack's), and README names each", () => {
    expect(needed).toEqual(expect.arrayContaining(["@pulumi/pulumi", "@pulumi/policy"]));
    expect(devOnly).toContain("@pulumi/policy");
    const readme = read("README.md").replace(/\s+/g, " ");
    const sentence =
      /`npm run deploy` and `npm run destroy` need the full install \(`npm ci`\)[^.]*\./.exec(
        readme,
      )?.[0];
    expect(sentence).toBeDefined();
    for (const n of devOnly) expect(sentence).toContain(`\`${n}\``);
  });
});
