import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { runProgram } from "./harness/program";
import { isSecretOnWire } from "./harness/recorder";

describe("test harness", () => {
  test("a known two-resource graph yields the right edge, parent and secret markers", async () => {
    const run = await runProgram({
      stack: "dc1",
      program: async () => {
        const a = new random.RandomPassword("a", { length: 16 });
        const b = new random.RandomPet("b", { prefix: a.result.apply((r) => r.slice(0, 3)) });
        const c = new random.RandomPet("c", {}, { dependsOn: [b], deleteBeforeReplace: true });
        return { pet: b.id, password: a.result, plain: pulumi.output("x"), cName: c.id };
      },
    });
    expect(run.error).toBeUndefined();
    const { graph } = run;
    const a = graph.get("a");
    const b = graph.get("b");
    const c = graph.get("c");
    expect(graph.dependsOn(b, a, { direct: true })).toBe(true);
    expect(graph.dependsOn(a, b)).toBe(false);
    expect(graph.dependsOn(c, a, { direct: true })).toBe(false);
    expect(graph.dependsOn(c, a)).toBe(true);
    expect(c.deleteBeforeReplace).toBe(true);
    expect(b.deleteBeforeReplace).toBe(false);
    // The prefix derives from a secret, so it travels marked as secret.
    expect(isSecretOnWire(b.wireInputs, "prefix")).toBe(true);
    expect(b.inputs.prefix).toBe("MOC");
    expect(isSecretOnWire(run.outputs, "password")).toBe(true);
    expect(isSecretOnWire(run.outputs, "plain")).toBe(false);
    expect(graph.parentOf(a)?.type).toBe("pulumi:pulumi:Stack");
    expect(graph.criticalPath().map((r) => r.name)).toEqual(["a", "b", "c"]);
    expect(graph.mermaid()).toContain("-->");
    // Deterministic whatever the registration order: same graph reversed, same text.
    const { Graph } = await import("./harness/graph");
    expect(new Graph([...graph.resources].reverse()).mermaid()).toBe(graph.mermaid());
  });

  test("an unmocked invoke fails the run with the token named", async () => {
    const run = await runProgram({
      stack: "dc1",
      program: async () => {
        const r: unknown = await pulumi.runtime.invoke("gcp:compute/getImage:getImage", {
          family: "x",
        });
        return { r };
      },
    });
    expect(run.error?.message).toContain("unmocked invoke gcp:compute/getImage:getImage");
  });

  test("runs the real program for dc1", async () => {
    const run = await runProgram({ stack: "dc1" });
    expect(run.error).toBeUndefined();
    expect(run.plainOutputs.datacenter).toBe("dc1");
  });
});
