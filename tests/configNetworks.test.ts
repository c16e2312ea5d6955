import { Cidr, parseCidr } from "../components/config/cidr";
import { validateConfig } from "../components/config/loadConfig";
import { maxBridgeAllocations } from "../components/config/capacity";
import {
  CLIENT_SURGE,
  MAX_OPERATOR_PUBLIC_ADDRESSES,
  MIN_BRIDGE_PREFIX,
  NON_PUBLIC_RANGES,
  SPECIAL_PURPOSE_RANGES,
  operatorExposure,
  publicAddressCount,
  reachableFromInternet,
  specialPurposeEntry,
  subnetRoom,
} from "../components/config/networks";
import { baseConfig, configProblems } from "./harness/configCases";
import { ROOT, readStackConfig, runProgram } from "./harness/program";
import {
  OFFLINE_OPERATOR_CIDR,
  OPERATOR_PLACEHOLDER,
  offlineStandIns,
} from "./harness/stackConfig";

const blocks = (...cs: string[]): Cidr[] => cs.map((c) => parseCidr(c) as Cidr);

describe("public address count", () => {
  test.each<[string[], number]>([
    [["1.2.3.7/32"], 1],
    [["1.2.3.0/24"], 256],
    // Overlaps count once; neighbours join.
    [["1.2.3.0/24", "1.2.3.128/25"], 256],
    [["198.52.0.0/17", "198.52.128.0/17"], 65536],
    // Documentation, benchmarking and IETF-protocol blocks never count (RFC 5737, 2544, 6890).
    [["192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24"], 0],
    [["203.0.113.7/32"], 0],
    // A block around one counts only the rest: 198.51.0.0/16 less TEST-NET-2.
    [["198.51.0.0/16"], 65536 - 256],
    // Private, CGNAT, loopback, link-local and multicast space never counts.
    [["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"], 0],
    [["127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4"], 0],
    // 0.0.0.0/4 less "this network" 0/8 and 10/8.
    [["0.0.0.0/4"], 2 ** 28 - 2 * 2 ** 24],
    // The whole space less every non-public block.
    [["0.0.0.0/0"], 3702258688],
    [["0.0.0.0/1", "128.0.0.0/1"], 3702258688],
  ])("%j covers %i public addresses", (cidrs, count) => {
    expect(publicAddressCount(blocks(...cidrs))).toBe(count);
  });

  test("every special-purpose block is non-public", () => {
    expect(SPECIAL_PURPOSE_RANGES.map((r) => r.cidr)).toEqual([
      "192.0.0.0/24",
      "192.0.2.0/24",
      "198.18.0.0/15",
      "198.51.100.0/24",
      "203.0.113.0/24",
    ]);
    for (const r of SPECIAL_PURPOSE_RANGES) expect(NON_PUBLIC_RANGES).toContain(r.cidr);
  });

  test("the non-public blocks are disjoint and in order (the count relies on it)", () => {
    const b = blocks(...NON_PUBLIC_RANGES);
    for (let i = 1; i < b.length; i++) {
      const prev = b[i - 1] as Cidr;
      expect(prev.network + 2 ** (32 - prev.prefix)).toBeLessThanOrEqual((b[i] as Cidr).network);
    }
  });
});

describe("control plane exposure", () => {
  test("exactly one /16's worth passes, one address more does not, the opt-in lifts it", () => {
    expect(MAX_OPERATOR_PUBLIC_ADDRESSES).toBe(65536);
    expect(operatorExposure(blocks("198.52.0.0/16"), false)).toBeUndefined();
    expect(operatorExposure(blocks("198.52.0.0/16", "1.2.3.4/32"), false)).toContain(
      "these cover 65537",
    );
    expect(operatorExposure(blocks("0.0.0.0/0"), true)).toBeUndefined();
  });

  test("a list is reachable from the internet when one block has a public address", () => {
    expect(reachableFromInternet(blocks("10.0.0.0/8", "1.2.3.0/24"), "x")).toBeUndefined();
    // A documentation range is no public address.
    expect(reachableFromInternet(blocks("10.0.0.0/8", "203.0.113.0/24"), "x")).toBe(
      "at least one public range: x through an external load balancer, from public addresses only",
    );
    expect(reachableFromInternet(blocks("10.0.0.0/8", "192.168.0.0/16"), "x")).toBe(
      "at least one public range: x through an external load balancer, from public addresses only",
    );
  });
});

describe("special-purpose entries", () => {
  test.each<[string, string | undefined]>([
    ["203.0.113.0/24", "203.0.113.0/24, the documentation block TEST-NET-3 (RFC 5737)"],
    ["203.0.113.128/25", "203.0.113.0/24, the documentation block TEST-NET-3 (RFC 5737)"],
    ["192.0.2.1/32", "192.0.2.0/24, the documentation block TEST-NET-1 (RFC 5737)"],
    ["198.51.100.0/24", "198.51.100.0/24, the documentation block TEST-NET-2 (RFC 5737)"],
    ["198.18.0.0/15", "198.18.0.0/15, the benchmarking block (RFC 2544)"],
    ["192.0.0.8/29", "192.0.0.0/24, the IETF protocol assignments block (RFC 6890)"],
    // Around or beside a block: real addresses, not an example left in.
    ["203.0.0.0/16", undefined],
    ["203.0.112.0/24", undefined],
    ["198.16.0.0/14", undefined],
  ])("%s", (entry, named) => {
    const found = specialPurposeEntry(parseCidr(entry) as Cidr);
    if (named === undefined) expect(found).toBeUndefined();
    else
      expect(found).toBe(
        `a range real traffic comes from: ${entry} lies in ${named}, and no packet on the internet comes from there; put your own range here (your egress address as a /32)`,
      );
  });
});

describe("the shipped stacks' operator placeholder", () => {
  const PLACEHOLDER_REFUSED =
    'hashistack:operatorCidrs[0]: received "203.0.113.0/24"; allowed: a range real traffic comes from: 203.0.113.0/24 lies in 203.0.113.0/24, the documentation block TEST-NET-3 (RFC 5737), and no packet on the internet comes from there; put your own range here (your egress address as a /32)';

  test.each(["dc1", "dc2"])("Pulumi.%s.yaml holds it", (stack) => {
    const file = `${ROOT}/Pulumi.${stack}.yaml`;
    expect(readStackConfig(file)["hashistack:operatorCidrs"]).toBe(
      JSON.stringify([OPERATOR_PLACEHOLDER]),
    );
  });

  test.each(["dc1", "dc2"])(
    "pulumi up of %s as shipped is refused at once, naming the entry",
    async (stack) => {
      const run = await runProgram({
        stack,
        config: { "hashistack:operatorCidrs": [OPERATOR_PLACEHOLDER] },
      });
      expect(run.error?.message).toBe(
        `Invalid configuration for stack "${stack}" (1 problem); nothing was created:\n  - ${PLACEHOLDER_REFUSED}`,
      );
      expect(run.graph.all().map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
    },
  );

  test("offline runs stand in a public range for exactly the placeholder, and say so", () => {
    const shipped = { "hashistack:operatorCidrs": '["203.0.113.0/24"]', other: "x" };
    expect(offlineStandIns(shipped)).toEqual({
      config: { "hashistack:operatorCidrs": `["${OFFLINE_OPERATOR_CIDR}"]`, other: "x" },
      notes: [
        'note: hashistack:operatorCidrs is still the shipped placeholder ["203.0.113.0/24"] (TEST-NET-3, documentation only), which pulumi up refuses; this offline run uses ["1.2.3.0/24"] in its place. Set your own egress range before deploying (README, "From an empty project").',
      ],
    });
    // A range of the user's own, even a documentation one, is left for the program to judge.
    for (const own of [
      '["198.51.100.7/32"]',
      '["203.0.113.0/24","1.2.3.4/32"]',
      '["8.8.8.8/32"]',
    ]) {
      const config = { "hashistack:operatorCidrs": own };
      expect(offlineStandIns(config)).toEqual({ config, notes: [] });
    }
    // The stand-in passes every rule a real range must pass.
    const cfg = validateConfig(
      baseConfig({ operatorCidrs: `["${OFFLINE_OPERATOR_CIDR}"]` }),
      "dc1",
    );
    expect(cfg.operatorCidrs).toEqual([OFFLINE_OPERATOR_CIDR]);
  });
});

describe("values the config shares with the rest of the program", () => {
  test("the client surge is the client MIG's maxSurgeFixed", async () => {
    const run = await runProgram({ stack: "dc1" });
    expect(run.error).toBeUndefined();
    const policy = run.graph.get("dc1-clients-group").inputs.updatePolicy as Record<
      string,
      unknown
    >;
    expect(policy.maxSurgeFixed).toBe(CLIENT_SURGE);
  });
});

describe("bridge size", () => {
  test("a /24 holds twice the bridge-mode allocations the replica caps allow, on one client", () => {
    // The caps: 20 per demo group (21 is refused).
    for (const k of ["publicApiReplicas", "privateApiReplicas", "frontendReplicas"])
      expect(configProblems(baseConfig({ [k]: "21" }))[0]).toContain("an integer from 0 to 20");
    const most = maxBridgeAllocations({ publicApi: 20, privateApi: 20, frontend: 20 });
    expect(most).toBe(61);
    expect(2 ** (32 - MIN_BRIDGE_PREFIX) - 3).toBeGreaterThanOrEqual(2 * most);
  });

  test("the default bridge range passes", () => {
    expect(validateConfig(baseConfig(), "dc1").nomadBridgeCidr).toBe("172.26.64.0/20");
  });
});

describe("subnet room", () => {
  test("a /28 holds 12 instances: 3 servers, 6 clients and the surge of 3", () => {
    const s28 = parseCidr("10.2.0.0/28") as Cidr;
    expect(subnetRoom(s28, 3, 6)).toBeUndefined();
    expect(subnetRoom(s28, 3, 7)).toBe(
      "a block with room for 3 servers, 7 clients and 3 surge clients (13 addresses; GCE keeps 4): /27 or larger",
    );
    expect(subnetRoom(parseCidr("10.2.0.0/25") as Cidr, 5, 100)).toBeUndefined();
  });
});
