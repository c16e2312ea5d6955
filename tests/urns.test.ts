/**
 * The URNs are pinned (tests/fixtures/urns/<case>.txt). The engine keys state by URN: a
 * resource whose URN changes (a new logical name, type or parent) is deleted and created
 * again unless it carries `aliases` naming the old URN. For the Consul servers' group that
 * is a lost cluster. So a run must take over every pinned URN, by its own URN or through an
 * alias, matched the way the engine matches them (harness/aliasMatch.ts), every URN it has
 * must be pinned, and no two resources may claim one old URN (the engine fails the
 * deployment on a duplicate alias claim).
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
  const { matched, errors } = matchOldUrns(resources, pinned);
  const taken = new Set([...matched.values()].filter((u): u is string => !!u));
  const lost = [...pinned].filter((u) => !taken.has(u)).sort();
  const created = resources
    .filter((r) => !matched.get(r.urn))
    .map((r) => r.urn)
    .sort();
  return [
    ...errors.map((e) => `pulumi up would FAIL: ${e}. Give each old URN to one resource only.`),
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

    test("an alias under a parent takes the parent's stack and project, not its own (CreateURN)", async () => {
      // The SDK sends the resource's parent with a spec that names none; the engine then forms
      // the URN from the parent URN's prefix and ignores the spec's stack and project.
      const run = await urnsOf(() => {
        const box = new pulumi.ComponentResource("test:index:Box", "old", {});
        new Thing("renamed-thing", {
          parent: box,
          aliases: [{ name: "old-thing", stack: "elsewhere", project: "other" }],
        });
      });
      const box = run.find((r) => r.type === "test:index:Box")?.urn;
      expect(box).toMatch(/::test:index:Box::old$/);
      expect(run.find((r) => r.name === "renamed-thing")?.aliases).toEqual([
        { name: "old-thing", stack: "elsewhere", project: "other", parentUrn: box },
      ]);
      expect(urnProblems(run, pinned)).toEqual([]);
    });

    test("two resources claiming one old URN through aliases: the deployment fails", async () => {
      const run = await urnsOf(() => {
        const first = new Box("first", { aliases: [{ name: "old" }] });
        new Box("second", { aliases: [{ name: "old" }], dependsOn: first });
      });
      const old = [...pinned].find((u) => u.endsWith("test:index:Box::old")) as string;
      const errors = matchOldUrns(run, pinned).errors;
      expect(errors).toContain(
        `Duplicate resource alias '${old}' applied to resource with URN '${old.replace("::old", "::second")}' conflicting with resource with URN '${old.replace("::old", "::first")}'`,
      );
      // The children inherit both claims: the child's old URN is claimed twice as well.
      expect(errors).toHaveLength(2);
      expect(urnProblems(run, pinned).every((p) => p.startsWith("pulumi up would FAIL"))).toBe(
        true,
      );
    });

    test("a new URN equal to an old URN already claimed through an alias: the deployment fails", async () => {
      const run = await urnsOf(() => {
        const renamed = new Box("renamed", { aliases: [{ name: "old" }] });
        new Box("old", { dependsOn: renamed });
      });
      const old = [...pinned].find((u) => u.endsWith("test:index:Box::old")) as string;
      expect(matchOldUrns(run, pinned).errors).toEqual([
        `Duplicate resource URN '${old}' conflicting with alias on resource with URN '${old.replace("::old", "::renamed")}'`,
        expect.stringContaining("Duplicate resource URN"),
      ]);
    });

    test("an old URN taken by its own resource first, then claimed through an alias: fails too", async () => {
      const run = await urnsOf(() => {
        const kept = new Box("old");
        new Box("renamed", { aliases: [{ name: "old" }], dependsOn: kept });
      });
      const old = [...pinned].find((u) => u.endsWith("test:index:Box::old")) as string;
      const renamed = old.replace("::old", "::renamed");
      expect(matchOldUrns(run, pinned).errors).toEqual([
        `Duplicate resource alias '${old}' applied to resource with URN '${renamed}' conflicting with resource with URN '${renamed}'`,
        expect.stringContaining("Duplicate resource alias"),
      ]);
    });
  });
});
