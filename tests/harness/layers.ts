/**
 * The layer rules of the program's sources (issue 13, DESIGN.md "The component tree is the
 * topology"), as a pure checker: source files in, violations out, each naming the file, the
 * import and the rule. tests/layers.test.ts runs it over the real tree and over synthetic
 * trees that break each rule.
 */
import * as path from "path";
import * as ts from "typescript";

/** One source file: its path from the repository root (with "/"), and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

/** Domain folders under components/, top of the topology first. */
export const LAYERS = ["peering", "mesh", "cluster", "gcp", "nomad", "config"] as const;

/** The analysis layer: above every domain, imported only by tests. */
export const ANALYSIS = "connections";

/** Most lines a file under components/ may have. */
export const MAX_LINES = 300;

/** The lowest module: everything may import it, so it imports nothing. */
export const LEAF = "components/config/constants.ts";

const ORDER = `index.ts > ${LAYERS.map((l) => `${l}/`).join(" > ")}`;
const LAYER_RULE = `imports run one way, ${ORDER} (a module may import its own folder and folders lower in that order only)`;
const OUTSIDE_RULE = "the program imports only its own files (index.ts, components/) and packages";
const ANALYSIS_RULE = `components/${ANALYSIS}/ is an analysis layer that only tests import (index.ts and components/ must not import it)`;

/** Where a file sits: "index", a domain folder, the analysis layer, or nowhere known. */
function layerOf(file: string): string | undefined {
  if (file === "index.ts") return "index";
  const m = /^components\/([^/]+)\/[^/]+\.ts$/.exec(file);
  return m ? m[1] : undefined;
}

/** A layer as the rules name it: `index.ts`, `mesh/`, ... */
const label = (layer: string): string => (layer === "index" ? "index.ts" : `${layer}/`);

/** Rank in the order, higher is further up; the analysis layer sits above the domains. */
function rank(layer: string): number {
  if (layer === "index") return LAYERS.length + 1;
  if (layer === ANALYSIS) return LAYERS.length;
  return LAYERS.length - 1 - LAYERS.indexOf(layer as (typeof LAYERS)[number]);
}

/** Every module specifier a file imports, re-exports or requires (type-only ones too). */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The checked file a relative specifier names, if any (`x` as `x.ts` or `x/index.ts`). */
function resolve(from: string, spec: string, known: ReadonlySet<string>): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  return [base, `${base}.ts`, `${base}/index.ts`].find((c) => known.has(c));
}

/**
 * The resolved imports of every file: importer -> [specifier, target][]. A relative import
 * that names no checked file gets the target "" (index.ts and components/ import only each
 * other and packages: not tests/, not scripts/).
 */
export function importGraph(files: readonly SourceFile[]): Map<string, [string, string][]> {
  const known = new Set(files.map((f) => f.path));
  const graph = new Map<string, [string, string][]>();
  for (const f of files) {
    const edges: [string, string][] = [];
    for (const spec of importsOf(f.text)) {
      if (spec.startsWith(".")) edges.push([spec, resolve(f.path, spec, known) ?? ""]);
    }
    graph.set(f.path, edges);
  }
  return graph;
}

/** (a) One-way imports between layers, and the analysis layer left to the tests. */
function layerViolations(graph: Map<string, [string, string][]>): string[] {
  const out: string[] = [];
  for (const [file, edges] of graph) {
    const from = layerOf(file);
    if (from === undefined) {
      out.push(`${file}: not in a layer folder; ${LAYER_RULE}`);
      continue;
    }
    for (const [spec, target] of edges) {
      if (target === "") {
        out.push(
          `${file} imports "${spec}": names no file of index.ts or components/; ${OUTSIDE_RULE}`,
        );
        continue;
      }
      const to = layerOf(target);
      const what = `${file} imports "${spec}" (${target})`;
      if (to === undefined || from === to) continue;
      if (to === ANALYSIS) out.push(`${what}: ${ANALYSIS_RULE}`);
      else if (rank(to) > rank(from))
        out.push(`${what}: ${label(to)} is above ${label(from)}; ${LAYER_RULE}`);
    }
  }
  return out;
}

/** Strongly connected groups of files (Tarjan): every cycle lies inside one. */
function stronglyConnected(nodes: string[], next: (n: string) => string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const groups: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (stack.includes(w))
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      group.push(w);
    } while (w !== v);
    groups.push(group.sort());
  };
  for (const n of nodes) if (!index.has(n)) connect(n);
  return groups;
}

/** The shortest path back to `start` inside `group` (breadth first): one cycle to show. */
function cycleThrough(start: string, group: string[], next: (n: string) => string[]): string[] {
  const came = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift() as string;
    for (const w of next(at).filter((n) => group.includes(n))) {
      if (w === start) {
        const trail = [at];
        while (trail[0] !== start) trail.unshift(came.get(trail[0] as string) as string);
        return [...trail, start];
      }
      if (!came.has(w)) {
        came.set(w, at);
        queue.push(w);
      }
    }
  }
  return [start];
}

/** (b) Import cycles among components/ files: one example cycle per tangle of files. */
function cycles(graph: Map<string, [string, string][]>): string[] {
  const inComponents = (f: string) => f.startsWith("components/");
  const next = (f: string) => (graph.get(f) ?? []).map(([, t]) => t).filter(inComponents);
  const nodes = [...graph.keys()].filter(inComponents).sort();
  return stronglyConnected(nodes, next)
    .filter((g) => g.length > 1 || next(g[0] as string).includes(g[0] as string))
    .map((g) => {
      const cycle = cycleThrough(g[0] as string, g, next).join(" -> ");
      return `import cycle ${cycle}: imports among components/ files must form no cycle`;
    });
}

/** Lines as `wc -l` counts them. */
export function lineCount(text: string): number {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/** Every violation of the rules in `files` (paths from the repository root). */
export function layerViolationsOf(files: readonly SourceFile[]): string[] {
  const graph = importGraph(files);
  const out = [...layerViolations(graph), ...cycles(graph)];
  for (const f of files) {
    const lines = lineCount(f.text);
    if (f.path.startsWith("components/") && lines > MAX_LINES)
      out.push(`${f.path}: ${lines} lines; no file under components/ has more than ${MAX_LINES}`);
    if (f.path === LEAF)
      for (const spec of importsOf(f.text))
        out.push(`${f.path} imports "${spec}": ${LEAF} is the lowest module and imports nothing`);
  }
  return out;
}
