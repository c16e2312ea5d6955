/**
 * npm run deploy under organizations: every operation names the stack the program reads
 * (scripts/deployPlan.ts, orchestrate.ts, automation.ts), against a fake backend with
 * organizations (tests/harness/fakeStacks.ts).
 */
import { qualifyStack } from "../components/config/peerSpec";
import { backendOrganization } from "../scripts/automation";
import { PEERINGS, peerName, qualified } from "../scripts/deployPlan";
import { deployAll } from "../scripts/orchestrate";
import { Dial, parseDial, PROJECT, StackInfo } from "../scripts/stackOrder";
import { FakeStacks } from "./harness/fakeStacks";
import { runProgram } from "./harness/program";

describe("organizations: every operation names the stack the program reads", () => {
  const quiet = () => undefined;
  /** dc1 accepts dc2; dc2's entry names dc1 as `ref` (as its hashistack:peers writes it). */
  const pair = (ref: string, defaultOrg: string) =>
    new FakeStacks(
      {
        dc1: { datacenter: "dc1", accepts: ["dc2"], dials: [], ms: 20 },
        dc2: { datacenter: "dc2", accepts: [], dials: [{ ref, datacenter: "dc1" }], ms: 10 },
      },
      defaultOrg,
    );
  const info = (org?: string): StackInfo[] => [
    { stack: "dc1", datacenter: "dc1", dials: [] },
    {
      stack: "dc2",
      datacenter: "dc2",
      dials: [{ stack: "dc1", datacenter: "dc1", ...(org ? { org } : {}) }],
    },
  ];

  test("dialer entries: a short stack, or org/project/stack of this project; others impose nothing", () => {
    expect(parseDial("dialer:dc1:dc1")).toEqual({ stack: "dc1", datacenter: "dc1" });
    expect(parseDial("dialer:dc1:acme/hashistack/dc1")).toEqual({
      stack: "dc1",
      datacenter: "dc1",
      org: "acme",
    });
    for (const spec of [
      "dialer:dc1:acme/other-project/dc1",
      "dialer:dc1:hashistack/dc1",
      "dialer:dc1:acme//dc1",
      "dialer:dc1:",
      "acceptor:dc2",
    ])
      expect([spec, parseDial(spec)]).toEqual([spec, undefined]);
  });

  test("a dial names the stack the program reads: both forms qualified as components/config/peerSpec.ts does", () => {
    for (const [ref, org] of [
      ["dc1", "acme"],
      ["acme/hashistack/dc1", "acme"],
      ["dc1", "organization"],
    ] as const) {
      const dial = parseDial(`dialer:dc1:${ref}`) as Dial;
      const program = qualifyStack(ref, { stack: "dc2", project: PROJECT, organization: org });
      expect([ref, qualified(dial.org ?? org, dial.stack)]).toEqual([ref, program]);
    }
  });

  test("the fake models the danger: deferring an established peer deletes the peering", async () => {
    const fake = pair("acme/hashistack/dc1", "someone");
    fake.seed("someone/hashistack/dc2", { peerings: { "dc1-default": "t" } });
    await fake.up("dc2", { deferredPeers: ["dc1"], label: "dc2 platform" });
    expect(fake.deletedPeerings).toEqual(["someone/hashistack/dc2 dc1-default"]);
  });

  test("an acceptor named under another organization than the run's stops the run in prepare: nothing created, deployed or deleted", async () => {
    // Pulumi Cloud, default organization "someone"; dc2 (in someone) dials acme's dc1, which
    // holds its peering. Deploying "dc1" would create someone/hashistack/dc1 with no token
    // and defer dc2, deleting its real peering.
    const fake = pair("acme/hashistack/dc1", "someone");
    fake.seed("acme/hashistack/dc1", { peeringTokens: { dc2: "token-dc1-for-dc2-gen1" } });
    fake.seed("someone/hashistack/dc2", { peerings: { "dc1-default": "token-dc1-for-dc2-gen1" } });
    const result = await deployAll(info("acme"), fake, quiet);
    expect(result.failures).toEqual([
      {
        stack: "dc2",
        phase: "prepare",
        message:
          'hashistack:peers names the acceptor acme/hashistack/dc1, but this run deploys dc1 as someone/hashistack/dc1 (stacks without an organization go to someone, the backend\'s default): nothing was deployed. Make acme the default (pulumi org set-default acme), or write the entry as "dialer:dc1:dc1" to use someone',
      },
    ]);
    expect(fake.names).toEqual([]);
    expect(fake.ups).toEqual([]);
    expect([...fake.existing].sort()).toEqual(["acme/hashistack/dc1", "someone/hashistack/dc2"]);
    expect(fake.deletedPeerings).toEqual([]);
  });

  test("the organization named in full and the default agree: every operation uses the full name", async () => {
    const fake = pair("acme/hashistack/dc1", "acme");
    const result = await deployAll(info("acme"), fake, quiet);
    expect(result.failures).toEqual([]);
    expect(new Set(fake.names)).toEqual(new Set(["acme/hashistack/dc1", "acme/hashistack/dc2"]));
    expect(fake.out("acme/hashistack/dc2")?.peerings).toEqual({
      "dc1-default": "token-dc1-for-dc2-gen1",
    });
  });

  test("a short entry (dialer:dc1:dc1) is the run's organization, as the program qualifies it", async () => {
    const fake = pair("dc1", "acme");
    const result = await deployAll(info(), fake, quiet);
    expect(result.failures).toEqual([]);
    expect(fake.ups.map((u) => u.label)).toEqual(["dc1 platform", "dc2 platform", "dc2 peering"]);
    expect(new Set(fake.names)).toEqual(new Set(["acme/hashistack/dc1", "acme/hashistack/dc2"]));
    expect(fake.out("acme/hashistack/dc2")?.peerings).toEqual({
      "dc1-default": "token-dc1-for-dc2-gen1",
    });
  });

  test("safety belt: a peer the dialer shows as established is never deferred; the run stops in prepare", async () => {
    // The acceptor lost its token (its acceptor entry removed, or the stack re-created) while
    // dc2 still holds the peering it established.
    const fake = pair("dc1", "organization");
    fake.seed("dc1", { datacenter: "dc1" });
    fake.seed("dc2", { peerings: { "dc1-default": { state: "ACTIVE", importedServices: [] } } });
    const result = await deployAll(info(), fake, quiet);
    expect(result.failures).toEqual([
      {
        stack: "dc2",
        phase: "prepare",
        message:
          'its peering dc1-default is established (output "peerings"), but organization/hashistack/dc1 exports no peering token for dc2: deferring the peer would delete that peering, so nothing was deployed. Check that hashistack:peers names the acceptor stack holding it and that this acceptor has "acceptor:dc2" in its hashistack:peers (pulumi up -s dc1), then run npm run deploy again',
      },
    ]);
    expect(fake.ups).toEqual([]);
    expect(fake.deletedPeerings).toEqual([]);
  });

  test("the belt reads the output the program exports: dc2's peerings keyed by peer name", async () => {
    // An update (not a preview): the wait's outputs are known.
    const run = await runProgram({ stack: "dc2" });
    if (run.error) throw run.error;
    expect(Object.keys(run.plainOutputs[PEERINGS] as object)).toEqual([peerName("dc1")]);
  });

  test("the run's organization: the file backend's is always organization; Pulumi Cloud's default, else the user", async () => {
    const never = () => Promise.reject(new Error("not asked"));
    await expect(backendOrganization({ user: "me", url: "file://~" }, never)).resolves.toBe(
      "organization",
    );
    await expect(backendOrganization({ user: "me", url: "gs://bucket" }, never)).resolves.toBe(
      "organization",
    );
    const cloud = { user: "me", url: "https://api.pulumi.com" };
    await expect(backendOrganization(cloud, async () => "acme\n")).resolves.toBe("acme");
    await expect(
      backendOrganization(cloud, async () => "No Default Org Specified\n"),
    ).resolves.toBe("me");
    await expect(backendOrganization({ user: "me" }, never)).rejects.toThrow(
      "the Pulumi CLI did not say which backend it is logged in to (pulumi whoami --json reports it from CLI 3.58 on): upgrade the CLI",
    );
  });
});
