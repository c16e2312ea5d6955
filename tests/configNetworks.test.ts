import { Cidr, parseCidr } from "../components/cidr";
import { validateConfig } from "../components/config";
import { HEALTH_CHECK_RANGES, IAP_RANGE } from "../components/firewallRules";
import { maxBridgeAllocations } from "../components/configCapacity";
import {
  CLIENT_SURGE,
  GOOGLE_HEALTH_CHECK_RANGES,
  IAP_TCP_FORWARDING_RANGE,
  MAX_OPERATOR_PUBLIC_ADDRESSES,
  MIN_BRIDGE_PREFIX,
  NON_PUBLIC_RANGES,
  operatorExposure,
  publicAddressCount,
  reachableFromInternet,
  subnetRoom,
} from "../components/configNetworks";
import { baseConfig, configProblems } from "./harness/configCases";
import { runProgram } from "./harness/program";

const blocks = (...cs: string[]): Cidr[] => cs.map((c) => parseCidr(c) as Cidr);

describe("public address count", () => {
  test.each<[string[], number]>([
    [["203.0.113.7/32"], 1],
    [["203.0.113.0/24"], 256],
    // Overlaps count once; neighbours join.
    [["203.0.113.0/24", "203.0.113.128/25"], 256],
    [["198.51.0.0/17", "198.51.128.0/17"], 65536],
    // Private, CGNAT, loopback, link-local and multicast space never counts.
    [["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"], 0],
    [["127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4"], 0],
    // 0.0.0.0/4 less "this network" 0/8 and 10/8.
    [["0.0.0.0/4"], 2 ** 28 - 2 * 2 ** 24],
    // The whole space less every non-public block.
    [["0.0.0.0/0"], 3702390784],
    [["0.0.0.0/1", "128.0.0.0/1"], 3702390784],
  ])("%j covers %i public addresses", (cidrs, count) => {
    expect(publicAddressCount(blocks(...cidrs))).toBe(count);
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
    expect(operatorExposure(blocks("198.51.0.0/16"), false)).toBeUndefined();
    expect(operatorExposure(blocks("198.51.0.0/16", "203.0.113.1/32"), false)).toContain(
      "these cover 65537",
    );
    expect(operatorExposure(blocks("0.0.0.0/0"), true)).toBeUndefined();
  });

  test("a list is reachable from the internet when one block has a public address", () => {
    expect(reachableFromInternet(blocks("10.0.0.0/8", "203.0.113.0/24"), "x")).toBeUndefined();
    expect(reachableFromInternet(blocks("10.0.0.0/8", "192.168.0.0/16"), "x")).toBe(
      "at least one public range: x through an external load balancer, from public addresses only",
    );
  });
});

describe("ranges the config shares with the rest of the program", () => {
  test("health-check and IAP ranges are the firewall's", () => {
    expect(GOOGLE_HEALTH_CHECK_RANGES).toEqual(HEALTH_CHECK_RANGES);
    expect(IAP_TCP_FORWARDING_RANGE).toBe(IAP_RANGE);
  });

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
