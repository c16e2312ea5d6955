/**
 * The layer rules of issue 13 over the real sources (index.ts and every .ts file under
 * components/), and over synthetic trees that show the checker catches each violation:
 * (a) imports run one way, index.ts > peering/ > mesh/ > cluster/ > gcp/ > nomad/ > config/,
 *     and components/connections/ (the connection analysis) is imported only by tests;
 * (b) no import cycles among components/ files;
 * (c) no file under components/ over 300 lines;
 * (d) components/config/constants.ts imports nothing;
 * and index.ts stays short enough to read as the topology (at most 150 lines).
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./harness/stackConfig";
import { SourceFile, importGraph, importsOf, layerViolationsOf } from "./harness/layers";

/** index.ts and every .ts file under components/, paths from the repository root. */
function programSources(): SourceFile[] {
  const read = (rel: string): SourceFile => ({
    path: rel,
    text: fs.readFileSync(path.join(ROOT, rel), "utf8"),
  });
  const walk = (dir: string): SourceFile[] =>
    fs
      .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
      .flatMap((e) =>
        e.isDirectory()
          ? walk(`${dir}/${e.name}`)
          : e.name.endsWith(".ts")
            ? [read(`${dir}/${e.name}`)]
            : [],
      );
  return [read("index.ts"), ...walk("components")];
}

/** A synthetic file importing `specs`, `lines` lines long. */
const file = (p: string, specs: string[] = [], lines = specs.length): SourceFile => ({
  path: p,
  text:
    specs.map((s) => `import { x } from "${s}";\n`).join("") +
    "// filler\n".repeat(Math.max(0, lines - specs.length)),
});

describe("the program's sources", () => {
  const files = programSources();

  test("are read: index.ts and the domain folders, with their imports resolved", () => {
    const folders = new Set(files.map((f) => f.path.split("/")[1]));
    for (const f of ["config", "nomad", "gcp", "cluster", "mesh", "peering", "connections"])
      expect(folders).toContain(f);
    const edges = [...importGraph(files).values()].flat();
    expect(edges.length).toBeGreaterThan(100);
    expect(edges.every(([, target]) => target !== "")).toBe(true);
  });

  test("follow every layer rule", () => {
    expect(layerViolationsOf(files)).toEqual([]);
  });

  test("index.ts reads as the topology: at most 150 lines, only components composed", () => {
    const index = files.find((f) => f.path === "index.ts")?.text ?? "";
    expect(index.split("\n").length - 1).toBeLessThanOrEqual(INDEX_MAX_LINES);
    // No resource is built here: every `new` is a component from components/.
    const built = [...index.matchAll(/new ([\w.]+)\(/g)].map((m) => m[1]);
    expect(built.filter((c) => (c ?? "").includes("."))).toEqual([]);
  });
});

/**
 * Names jest puts on `global`. Pulumi's closure serializer leaves out any free name found on
 * `global` (runtime/closure/parseFunction.js), so a module function named like one of these
 * is dropped from a dynamic provider serialized under jest: the stored code would call jest's.
 */
const JEST_GLOBALS = [
  "describe",
  "fdescribe",
  "xdescribe",
  "it",
  "fit",
  "xit",
  "test",
  "xtest",
  "expect",
  "jest",
  "beforeAll",
  "beforeEach",
  "afterAll",
  "afterEach",
];

describe("no program name is a jest global", () => {
  test("top-level declarations under components/ and in index.ts", () => {
    const decl = new RegExp(
      `^(?:export )?(?:async )?(?:function|const|let|var|class) (${JEST_GLOBALS.join("|")})\\b`,
      "gm",
    );
    const found = programSources().flatMap((f) =>
      [...f.text.matchAll(decl)].map((m) => `${f.path}: ${m[1]}`),
    );
    expect(found).toEqual([]);
    // The check itself: a declaration named like a jest global is found.
    expect("function describe(x) {}".match(decl)).not.toBeNull();
  });
});

/** Issue 13: index.ts composes the components in dependency order, ~150 lines. */
const INDEX_MAX_LINES = 150;

describe("the checker, on synthetic trees", () => {
  const ORDER =
    "imports run one way, index.ts > peering/ > mesh/ > cluster/ > gcp/ > nomad/ > config/ (a module may import its own folder and folders lower in that order only)";
  const ANALYSIS =
    "components/connections/ is an analysis layer that only tests import (index.ts and components/ must not import it)";

  test("imports down the order, within a folder and from the analysis layer pass", () => {
    const tree = [
      file("index.ts", ["./components/peering/p", "./components/config/k"]),
      file("components/peering/p.ts", ["../mesh/m", "./q"]),
      file("components/peering/q.ts", ["../nomad/n"]),
      file("components/mesh/m.ts", ["../cluster/c", "../config/k", "@pulumi/pulumi"]),
      file("components/cluster/c.ts", ["../gcp/g"]),
      file("components/gcp/g.ts", ["../nomad/n"]),
      file("components/nomad/n.ts", ["../config/k"]),
      file("components/config/k.ts", ["./constants"]),
      file("components/config/constants.ts"),
      file("components/connections/a.ts", ["../mesh/m", "../peering/p", "./b"]),
      file("components/connections/b.ts", ["../config/k"]),
    ];
    expect(layerViolationsOf(tree)).toEqual([]);
  });

  test("(a) an import up the order names the file, the import and the order", () => {
    const tree = [
      file("components/mesh/m.ts", ["../peering/p"]),
      file("components/peering/p.ts"),
      file("components/config/k.ts", ["../nomad/n"]),
      file("components/nomad/n.ts"),
      file("components/gcp/g.ts", ["../../index"]),
      file("index.ts"),
    ];
    expect(layerViolationsOf(tree)).toEqual([
      `components/mesh/m.ts imports "../peering/p" (components/peering/p.ts): peering/ is above mesh/; ${ORDER}`,
      `components/config/k.ts imports "../nomad/n" (components/nomad/n.ts): nomad/ is above config/; ${ORDER}`,
      `components/gcp/g.ts imports "../../index" (index.ts): index.ts is above gcp/; ${ORDER}`,
    ]);
  });

  test("(a) re-exports and type-only imports count as imports", () => {
    const tree = [
      { path: "components/config/k.ts", text: 'export * from "../gcp/g";\n' },
      { path: "components/nomad/n.ts", text: 'import type { G } from "../gcp/g";\n' },
      file("components/gcp/g.ts"),
    ];
    expect(layerViolationsOf(tree)).toEqual([
      `components/config/k.ts imports "../gcp/g" (components/gcp/g.ts): gcp/ is above config/; ${ORDER}`,
      `components/nomad/n.ts imports "../gcp/g" (components/gcp/g.ts): gcp/ is above nomad/; ${ORDER}`,
    ]);
  });

  test("(a) index.ts and components/ must not import the analysis layer", () => {
    const tree = [
      file("index.ts", ["./components/connections/a"]),
      file("components/peering/p.ts", ["../connections/a"]),
      file("components/connections/a.ts"),
    ];
    expect(layerViolationsOf(tree)).toEqual([
      `index.ts imports "./components/connections/a" (components/connections/a.ts): ${ANALYSIS}`,
      `components/peering/p.ts imports "../connections/a" (components/connections/a.ts): ${ANALYSIS}`,
    ]);
  });

  test("(a) a file outside the layer folders, and an import of tests/ or a missing file", () => {
    const tree = [
      file("components/stray.ts"),
      file("components/mesh/m.ts", ["../../tests/harness/graph", "./missing"]),
    ];
    const OUTSIDE =
      "names no file of index.ts or components/; the program imports only its own files (index.ts, components/) and packages";
    expect(layerViolationsOf(tree)).toEqual([
      `components/stray.ts: not in a layer folder; ${ORDER}`,
      `components/mesh/m.ts imports "../../tests/harness/graph": ${OUTSIDE}`,
      `components/mesh/m.ts imports "./missing": ${OUTSIDE}`,
    ]);
  });

  test("(b) a cycle, within a folder too, is shown once as a path back to its start", () => {
    const tree = [
      file("components/nomad/a.ts", ["./b"]),
      file("components/nomad/b.ts", ["./c", "../config/k"]),
      file("components/nomad/c.ts", ["./a"]),
      file("components/config/k.ts", ["./k"]),
    ];
    expect(layerViolationsOf(tree)).toEqual([
      "import cycle components/config/k.ts -> components/config/k.ts: imports among components/ files must form no cycle",
      "import cycle components/nomad/a.ts -> components/nomad/b.ts -> components/nomad/c.ts -> components/nomad/a.ts: imports among components/ files must form no cycle",
    ]);
  });

  test("(c) 300 lines pass, 301 do not; index.ts is not held to it here", () => {
    const tree = [
      file("components/gcp/ok.ts", [], 300),
      file("components/gcp/long.ts", [], 301),
      file("index.ts", [], 400),
    ];
    expect(layerViolationsOf(tree)).toEqual([
      "components/gcp/long.ts: 301 lines; no file under components/ has more than 300",
    ]);
  });

  test("(d) the constants import nothing, not even a package", () => {
    const tree = [file("components/config/constants.ts", ["@pulumi/pulumi", "./types"])];
    tree.push(file("components/config/types.ts"));
    expect(layerViolationsOf(tree)).toEqual([
      'components/config/constants.ts imports "@pulumi/pulumi": components/config/constants.ts is the lowest module and imports nothing',
      'components/config/constants.ts imports "./types": components/config/constants.ts is the lowest module and imports nothing',
    ]);
  });

  test("import-like text in comments and strings is not an import", () => {
    const text =
      '// import { x } from "../peering/p";\n/* export * from "../mesh/m"; */\nconst s = \'from "../gcp/g"\';\nimport { y } from "./real";\nconst z = require("../nomad/n");\n';
    expect(importsOf(text)).toEqual(["./real", "../nomad/n"]);
  });
});
