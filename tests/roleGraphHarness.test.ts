/**
 * The role graph's harness checked on small programs: every option the engine keeps or acts
 * on is recorded and compared by role, the dynamic provider's code apart from the inputs,
 * invokes with the resources they wait for, and the engine's invoke gate (an invoke whose
 * dependencies are not created yet answers "unknown" without calling the provider).
 */
import * as pulumi from "@pulumi/pulumi";
import { Mocks } from "@pulumi/pulumi/runtime/mocks";
import { installMocks, runProgram } from "./harness/program";
import { RecordingMonitor } from "./harness/recorder";
import { hasUnresolved, Settled } from "./harness/requests";
import { defaultRole, RoleGraph, roleGraph } from "./harness/roleGraph";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const internalSettings = require("@pulumi/pulumi/runtime/settings") as {
  waitForRPCs(): Promise<void>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const resproto = require("@pulumi/pulumi/proto/resource_pb") as {
  ResourceMonitorFeature: Record<string, number>;
};

class Thing extends pulumi.CustomResource {
  declare public readonly value: pulumi.Output<string>;
  constructor(name: string, props: pulumi.Inputs = {}, opts?: pulumi.CustomResourceOptions) {
    super("test:index:Thing", name, { value: undefined, ...props }, opts);
  }
}

/** A dynamic resource (`pulumi.dynamic.Resource` is abstract). */
class Dynamic extends pulumi.dynamic.Resource {}

const LOOKUP = "test:index:lookup";

/** A program with every option set on `b`, its trigger and dependency named `first`. */
function withOptions(first: string, timeout = "5m") {
  return () => {
    const a = new Thing(first);
    const box = new pulumi.ComponentResource("test:index:Box", "box", {});
    new Thing("inner", {}, { parent: box });
    new Thing(
      "b",
      { fromA: a.id, fromBox: box.urn },
      {
        customTimeouts: { create: timeout, delete: "1m" },
        hideDiffs: ["z", "y"],
        replacementTrigger: a.id,
        version: "1.2.3",
        pluginDownloadURL: "https://example.invalid/plugins",
        import: "b-import",
        deleteBeforeReplace: false,
      },
    );
    pulumi.runtime.invokeOutput(LOOKUP, { q: 1 }, { dependsOn: box });
  };
}

async function graphOf(
  program: () => void,
  renames: Record<string, string> = {},
): Promise<RoleGraph> {
  const run = await runProgram({
    stack: "dc1",
    mocks: { invokes: { [LOOKUP]: () => ({ ok: true }) } },
    program: async () => {
      program();
      return {};
    },
  });
  expect(run.error).toBeUndefined();
  return roleGraph(run.graph, run.outputs, (r) => renames[defaultRole(r)] ?? defaultRole(r));
}

describe("options and invokes by role", () => {
  let g: RoleGraph;
  beforeAll(async () => {
    g = await graphOf(withOptions("a"));
  });

  test("each option as sent, property dependencies by role (a component: its customs)", () => {
    const b = g.resources["Thing:b"];
    expect(b).toMatchObject({
      customTimeouts: { create: "5m", delete: "1m" },
      hideDiffs: ["y", "z"],
      version: "1.2.3",
      pluginDownloadURL: "https://example.invalid/plugins",
      importId: "b-import",
      deleteBeforeReplace: false,
      deleteBeforeReplaceDefined: true,
      propertyDependencies: { fromA: ["Thing:a"], fromBox: ["Thing:inner"] },
    });
    expect(b?.replacementTrigger).toMatch(/^[0-9a-f]{16}$/);
    expect(g.resources["Thing:a"]).toMatchObject({
      customTimeouts: {},
      hideDiffs: [],
      replacementTrigger: "",
      importId: "",
      deleteBeforeReplaceDefined: false,
      propertyDependencies: {},
    });
  });

  test("an invoke: its arguments' hash, the customs it waits for, its provider", () => {
    const keys = Object.keys(g.invokes);
    expect(keys).toEqual([expect.stringMatching(/^test:index:lookup [0-9a-f]{16}$/)]);
    expect(g.invokes[keys[0] as string]).toEqual([{ dependsOn: ["Thing:inner"], provider: "" }]);
  });

  test("a rename through the table changes nothing; a changed option does", async () => {
    expect(await graphOf(withOptions("a2"), { "Thing:a2": "Thing:a" })).toEqual(g);
    const changed = await graphOf(withOptions("a", "6m"));
    expect(changed.resources["Thing:b"]?.customTimeouts).toEqual({ create: "6m", delete: "1m" });
  });
});

describe("the dynamic provider's code is its own field", () => {
  const dynamicGraph = (id: string) =>
    graphOf(() => {
      const provider: pulumi.dynamic.ResourceProvider = {
        create: (inputs: Record<string, unknown>) => Promise.resolve({ id, outs: inputs }),
      };
      new Dynamic(provider, "dyn", { v: 1 });
    });

  test("other code: providerCode differs, the inputs' hash does not", async () => {
    const [one, two] = [await dynamicGraph("one"), await dynamicGraph("two")];
    const [a, b] = [one.resources["Resource:dyn"], two.resources["Resource:dyn"]];
    expect(a?.providerCode).toMatch(/^[0-9a-f]{16}$/);
    expect(b?.providerCode).not.toBe(a?.providerCode);
    expect(b?.inputs).toBe(a?.inputs);
  });
});

describe("why the role graphs are written outside jest (writeRoleGraphs.ts)", () => {
  test("a function named like a jest global is left out of serialized code under jest", async () => {
    // `fit` is a jest global; the closure serializer takes any name on `global` for a built-in.
    const fit = (s: string) => `fit:${s}`;
    const fitted = (await pulumi.runtime.serializeFunction(() => fit("x"))).text;
    expect(fitted).not.toContain("fit:");
    const other = (s: string) => `other:${s}`;
    expect((await pulumi.runtime.serializeFunction(() => other("x"))).text).toContain("other:");
  });
});

describe("the engine's invoke gate (source_eval.go Invoke, resourcetracker HasUnresolved)", () => {
  const settled = new Map<string, Settled>([
    ["comp", { parent: "", custom: false, id: "" }],
    ["made", { parent: "comp", custom: true, id: "made-id" }],
    ["pending", { parent: "made", custom: true, id: "" }],
    ["inner", { parent: "", custom: false, id: "" }],
    ["waiting", { parent: "inner", custom: true, id: "" }],
  ]);

  test("a custom without an id is unresolved; a component reaches its customs only", () => {
    expect(hasUnresolved(["made"], settled)).toBe(false);
    expect(hasUnresolved(["pending"], settled)).toBe(true);
    // The walk stops at a custom resource: the child of `made` does not count.
    expect(hasUnresolved(["comp"], settled)).toBe(false);
    expect(hasUnresolved(["inner"], settled)).toBe(true);
    // URNs the run never produced are skipped.
    expect(hasUnresolved(["elsewhere"], settled)).toBe(false);
  });

  test("the monitor advertises invoke dependencies, as the engine does", () => {
    const monitor = new RecordingMonitor({
      call: () => ({}),
      newResource: () => ({ id: undefined, state: {} }),
    });
    let features: number[] = [];
    monitor.getDeploymentInfo({}, (_err, resp) => {
      features = (resp as { getSupportedfeaturesList(): number[] }).getSupportedfeaturesList();
    });
    expect(features).toContain(
      resproto.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_INVOKE_DEPENDS_ON,
    );
  });

  test("a preview: an invoke after a resource not yet created is unknown, the provider not called", async () => {
    const calls: string[] = [];
    const mocks: Mocks = {
      // In a preview a resource to be created has no id yet.
      newResource: (args) => ({
        id: args.name === "pending" ? undefined : `${args.name}-id`,
        state: {},
      }),
      call: (args) => {
        calls.push(args.token);
        return { ok: true };
      },
    };
    const monitor = new RecordingMonitor(mocks);
    installMocks(monitor, "dc1", true, "organization");
    const known: Record<string, boolean> = {};
    await pulumi.runtime.runInPulumiStack(async () => {
      const pending = new Thing("pending");
      const made = new Thing("made");
      for (const [name, dep] of [
        ["afterPending", pending],
        ["afterMade", made],
      ] as const) {
        const out = pulumi.runtime.invokeOutput(LOOKUP, { name }, { dependsOn: dep });
        known[name] = await (out as unknown as { isKnown: Promise<boolean> }).isKnown;
      }
      return {};
    });
    await internalSettings.waitForRPCs();
    expect(known).toEqual({ afterPending: false, afterMade: true });
    expect(calls).toEqual([LOOKUP]);
    const urnOf = (n: string) => monitor.records.find((r) => r.name === n)?.urn;
    expect(monitor.invokes.map((i) => [i.args.name, i.dependsOn, i.unknown])).toEqual([
      ["afterPending", [urnOf("pending")], true],
      ["afterMade", [urnOf("made")], false],
    ]);
  });
});
