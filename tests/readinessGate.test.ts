import * as pulumi from "@pulumi/pulumi";
import { readinessProvider } from "../components/cluster/readinessGate";
import { runProgram } from "./harness/program";
import { isSecretOnWire } from "./harness/recorder";

/** Dynamic resources with a module and type register as pulumi-nodejs:dynamic/<module>:<type>. */
const DYNAMIC = "pulumi-nodejs:dynamic/hashistack:ReadinessGate";

describe("readiness gate in the graph", () => {
  test.each(["dc1", "dc2"])(
    "%s: the gate waits for the control-plane LB and both MIGs, tokens secret",
    async (stack) => {
      const run = await runProgram({ stack });
      if (run.error) throw run.error;
      const gate = run.graph.get(`${stack}-readiness`);
      expect(gate.type).toBe(DYNAMIC);
      for (const dep of [
        `${stack}-control-plane-rule`,
        `${stack}-servers-group`,
        `${stack}-clients-group`,
      ]) {
        expect(run.graph.dependsOn(gate, run.graph.get(dep), { direct: true })).toBe(true);
      }
      expect(isSecretOnWire(gate.wireInputs, "consulToken")).toBe(true);
      expect(isSecretOnWire(gate.wireInputs, "nomadToken")).toBe(true);
      expect(gate.inputs).toMatchObject({
        consulAddress: run.plainOutputs.consulUrl,
        nomadAddress: run.plainOutputs.nomadUrl,
        expectedClients: stack === "dc1" ? 2 : 1,
        timeoutSeconds: 1200,
      });
      expect(gate.additionalSecretOutputs).toEqual(["consulToken", "nomadToken"]);
    },
  );
});

describe("readiness provider", () => {
  const base = {
    consulAddress: "https://203.0.113.1:8501",
    nomadAddress: "https://203.0.113.1:4646",
    caPem: "CA",
    consulToken: "t1",
    nomadToken: "t2",
    expectedClients: 2,
    timeoutSeconds: 60,
  };

  test("no change, no diff; endpoint or CA change replaces; timeout change updates in place", async () => {
    const diff = readinessProvider.diff?.bind(readinessProvider);
    if (!diff) throw new Error("diff missing");
    expect(await diff("id", base, { ...base })).toMatchObject({ changes: false, replaces: [] });
    expect(await diff("id", base, { ...base, caPem: "CA2" })).toMatchObject({
      changes: true,
      replaces: ["caPem"],
    });
    expect(await diff("id", base, { ...base, expectedClients: 3 })).toMatchObject({
      changes: true,
      replaces: ["expectedClients"],
    });
    expect(await diff("id", base, { ...base, timeoutSeconds: 90 })).toMatchObject({
      changes: true,
      replaces: [],
    });
  });

  test("serializes (as Pulumi stores it in state) without capturing SDK or provider modules", async () => {
    const serialized = await pulumi.runtime.serializeFunction(() => readinessProvider, {
      allowSecrets: true,
    });
    expect(serialized.text).toContain("waitUntilReady");
    // Module functions are captured, not left to a global of the same name (jest's
    // `describe` once shadowed this one: tests/layers.test.ts keeps such names out).
    expect(serialized.text).toContain("__statusDetail");
    expect(serialized.text).toContain('require("https")');
    for (const heavy of ["@pulumi/gcp", "@pulumi/consul", "@pulumi/pulumi/", "grpc"])
      expect(serialized.text).not.toContain(heavy);
    // The bound catches a captured SDK module (hundreds of KB), not our own code growing:
    // ADC flows with quota project, workforce pools and the AWS refusal made it ~45 KB.
    expect(serialized.text.length).toBeLessThan(60_000);
  });
});
