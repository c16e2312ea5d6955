/**
 * `npm run destroy` with protected stacks (scripts/destroyGuard.ts): the Automation API's
 * destroy skips the preview, so the engine would refuse a protected resource only when its
 * own delete runs, after deleting everything else (pkg/resource/deploy/step.go,
 * DeleteStep.Apply). The guard reads every stack's state first and stops before any destroy.
 */
import * as fs from "fs";
import * as path from "path";
import { deployAll, qualified } from "../scripts/orchestrate";
import { destroyOrder, readStacks } from "../scripts/stackOrder";
import { destroyRefusal, protectedUrns } from "../scripts/destroyGuard";
import { FakeStacks } from "./harness/fakeStacks";
import { ROOT } from "./harness/stackConfig";

/** The shipped pair, deployed through the orchestration as npm run deploy would. */
async function deployedPair(): Promise<FakeStacks> {
  const fake = new FakeStacks({
    dc1: { datacenter: "dc1", accepts: ["dc2"], dials: [], ms: 1 },
    dc2: { datacenter: "dc2", accepts: [], dials: [{ ref: "dc1", datacenter: "dc1" }], ms: 1 },
  });
  const result = await deployAll(readStacks(ROOT), fake, () => undefined);
  expect(result.failures).toEqual([]);
  return fake;
}

/** As npm run destroy passes them: qualified with the run's organization (the file backend's). */
const order = destroyOrder([
  { stack: "dc1", dials: [] },
  { stack: "dc2", dials: ["dc1"] },
]).map((s) => qualified("organization", s));

describe("npm run destroy refuses protected stacks before destroying any", () => {
  test("as shipped (protectCluster true): both stacks named, with the two steps for each", async () => {
    const fake = await deployedPair();
    expect(await destroyRefusal(order, fake)).toBe(
      [
        "npm run destroy stopped before destroying anything: stack organization/hashistack/dc2 has protected resources (dc2-ca-key, dc2-servers-group); stack organization/hashistack/dc1 has protected resources (dc1-ca-key, dc1-servers-group).",
        "Its destroy skips the preview, so the engine would delete everything else first and fail on these last, leaving a half-destroyed stack.",
        "To destroy deliberately, unprotect first (the update changes only the protect flags):",
        "  pulumi config set -s organization/hashistack/dc2 hashistack:protectCluster false && pulumi up -s organization/hashistack/dc2",
        "  pulumi config set -s organization/hashistack/dc1 hashistack:protectCluster false && pulumi up -s organization/hashistack/dc1",
        "then run npm run destroy again. A resource protected by hand stays protected: pulumi state unprotect -s <stack> <urn>.",
      ].join("\n"),
    );
  });

  test("the dialer unprotected, the acceptor not: still nothing destroyed, only dc1 named", async () => {
    const fake = await deployedPair();
    fake.protectCluster.dc2 = false;
    await fake.up("dc2", { deferredPeers: [], label: "dc2 unprotect" });
    const refusal = await destroyRefusal(order, fake);
    expect(refusal?.split("\n")[0]).toBe(
      "npm run destroy stopped before destroying anything: stack organization/hashistack/dc1 has protected resources (dc1-ca-key, dc1-servers-group).",
    );
    expect(refusal).not.toContain("-s organization/hashistack/dc2");
  });

  test("both unprotected by config and up: the destroy goes ahead", async () => {
    const fake = await deployedPair();
    for (const s of ["dc1", "dc2"]) {
      fake.protectCluster[s] = false;
      await fake.up(s, { deferredPeers: [], label: `${s} unprotect` });
    }
    expect(await destroyRefusal(order, fake)).toBeUndefined();
  });

  test("a stack whose state cannot be read stops the run, naming it", async () => {
    const fake = await deployedPair();
    expect(await destroyRefusal([qualified("organization", "dc3"), ...order], fake)).toBe(
      "npm run destroy stopped before destroying anything: the state of stack organization/hashistack/dc3 could not be read (no stack named 'organization/hashistack/dc3' found)",
    );
  });
});

describe("protected resources in an exported state (apitype ResourceV3)", () => {
  test("protect: true counts, pending deletion or not; absent or false does not", () => {
    expect(
      protectedUrns({
        resources: [
          { urn: "urn:a", protect: true },
          { urn: "urn:b", protect: false },
          { urn: "urn:c" },
          { urn: "urn:d", protect: true, delete: true },
        ],
      }),
    ).toEqual(["urn:a", "urn:d"]);
    expect(protectedUrns({})).toEqual([]);
    expect(protectedUrns(undefined)).toEqual([]);
  });
});

test("README's troubleshooting quotes the refusal", async () => {
  const refusal = (await destroyRefusal(order, await deployedPair())) ?? "";
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const quoted = /^\| "(npm run destroy stopped [^"]*)"/m.exec(readme)?.[1];
  expect(quoted).toBeDefined();
  expect(refusal.startsWith(quoted ?? "-")).toBe(true);
});
