/**
 * The URNs are pinned (tests/fixtures/urns/<case>.txt). The engine keys state by URN: a
 * resource whose URN changes (a new logical name, type or parent) is deleted and created
 * again unless it carries `aliases` naming the old URN. For the Consul servers' group that
 * is a lost cluster. So a run must take over every pinned URN, by its own URN or through an
 * alias, matched the way the engine matches them (harness/aliasMatch.ts), and every URN
 * it has must be pinned.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { matchOldUrns } from "./harness/aliasMatch";
import { runProgram } from "./harness/program";
import { RecordedResource } from "./harness/recorder";
import { ROLE_GRAPH_CASES } from "./harness/roleGraphCases";
import { urnFile } from "./harness/writeUrns";

const WRITE = "npx ts-node --transpile-only tests/harness/writeUrns.ts";

/** What a run does to the pinned state, as messages (empty: every resource kept). */
function urnProblems(
  resources: readonly RecordedResource[],
  pinned: ReadonlySet<string>,
): string[] {
  const matched = matchOldUrns(resources, pinned);
  const taken = new Set([...matched.values()].filter((u): u is string => !!u));
  const lost = [...pinned].filter((u) => !taken.has(u)).sort();
  const created = resources
    .filter((r) => !matched.get(r.urn))
    .map((r) => r.urn)
    .sort();
  return [
    ...lost.map(
      (u) =>
        `${u} is no longer produced: pulumi up would DELETE it. Renamed or re-parented? Add \`aliases\` (pulumi.com/docs/iac/concepts/options/aliases) naming the old name/parent. Removed on purpose? Run ${WRITE}.`,
    ),
    ...created.map(
      (u) =>
        `${u} is not pinned: pulumi up would CREATE it. A renamed resource? Add \`aliases\` naming its old URN. A new resource? Run ${WRITE}.`,
    ),
  ];
}

describe("URNs are pinned: a rename needs aliases", () => {
  test.each(Object.keys(ROLE_GRAPH_CASES))("%s", async (name) => {
    const run = await runProgram(ROLE_GRAPH_CASES[name] as (typeof ROLE_GRAPH_CASES)[string]);
    expect(run.error).toBeUndefined();
    const pinned = new Set(fs.readFileSync(urnFile(name), "utf8").split("\n").filter(Boolean));
    expect(urnProblems(run.graph.resources, pinned)).toEqual([]);
  });

  describe("the check itself (a component and its child, renamed)", () => {
    class Thing extends pulumi.CustomResource {
      constructor(name: string, opts?: pulumi.CustomResourceOptions) {
        super("test:index:Thing", name, {}, opts);
      }
    }
    class Box extends pulumi.ComponentResource {
      constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("test:index:Box", name, {}, opts);
        new Thing(`${name}-thing`, { parent: this });
        this.registerOutputs({});
      }
    }
    const urnsOf = async (program: () => void) => {
      const run = await runProgram({
        stack: "dc1",
        program: async () => {
          program();
          return {};
        },
      });
      expect(run.error).toBeUndefined();
      return run.graph.resources;
    };
    let pinned: Set<string>;
    beforeAll(async () => {
      pinned = new Set((await urnsOf(() => new Box("old"))).map((r) => r.urn));
    });

    test("unchanged: nothing to say", async () => {
      expect(urnProblems(await urnsOf(() => new Box("old")), pinned)).toEqual([]);
    });

    test("renamed without aliases: the old URNs would be deleted, the new created", async () => {
      const problems = urnProblems(await urnsOf(() => new Box("new")), pinned);
      expect(problems.filter((p) => p.includes("would DELETE"))).toHaveLength(2);
      expect(problems.filter((p) => p.includes("would CREATE"))).toHaveLength(2);
      expect(problems[0]).toContain("test:index:Box$test:index:Thing::old-thing is no longer");
    });

    test("renamed with an alias on the component: the child inherits it (engine rule)", async () => {
      const run = await urnsOf(() => new Box("new", { aliases: [{ name: "old" }] }));
      expect(urnProblems(run, pinned)).toEqual([]);
    });

    test("re-parented with an alias naming the old parent", async () => {
      const run = await urnsOf(() => {
        const outer = new pulumi.ComponentResource("test:index:Outer", "outer", {});
        new Box("old", { parent: outer, aliases: [{ parent: pulumi.rootStackResource }] });
      });
      const problems = urnProblems(run, pinned);
      // Only the new wrapper is new; the box and its child keep their state.
      expect(problems).toEqual([expect.stringContaining("test:index:Outer::outer is not pinned")]);
    });
  });
});
