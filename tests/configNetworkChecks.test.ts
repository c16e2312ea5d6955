/**
 * The datacenter's own ranges and the operator ranges (components/config/networkChecks.ts);
 * the rules they apply are tested in configNetworks.test.ts.
 */
import { checkNetworks, unreachable } from "../components/config/networkChecks";
import { ConfigReader } from "../components/config/reader";
import { ConfigProblem, RawConfig } from "../components/config/types";
import { acmeConfig, baseConfig, configProblems, problemLine } from "./harness/configCases";

const base = acmeConfig;
const problems = configProblems;
const lines = (found: ConfigProblem[]) => found.map(problemLine);

const WIDE = (covered: number) =>
  `ranges covering at most 65536 public addresses in total (one /16's worth; these cover ${covered}): the control plane (Consul 8501, Nomad 4646) is for your own networks; set hashistack:allowWideOperatorCidrs to true to open it this wide on purpose`;
const PRIVATE_BRIDGE = "a private range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16";
const SPECIAL = (entry: string, block: string, name: string) =>
  `a range real traffic comes from: ${entry} lies in ${block}, ${name}, and no packet on the internet comes from there; put your own range here (your egress address as a /32)`;

describe("checkNetworks", () => {
  test("parses the subnet, the default bridge and the operator ranges", () => {
    const { value, problems: found } = checkNetworks(
      new ConfigReader({ subnetCidr: "10.2.0.0/16", operatorCidrs: '["1.2.3.0/24"]' }),
    );
    expect(found).toEqual([]);
    expect(value).toEqual({
      subnet: { text: "10.2.0.0/16", network: 0x0a020000, prefix: 16 },
      subnetCidr: "10.2.0.0/16",
      nomadBridgeCidr: "172.26.64.0/20",
      operatorCidrs: ["1.2.3.0/24"],
    });
  });

  test("the bridge, then the subnet against Docker, then the opt-in, then the operator ranges", () => {
    const checked = checkNetworks(
      new ConfigReader({
        subnetCidr: "172.17.0.0/20",
        nomadBridgeCidr: "172.17.0.0/16",
        operatorCidrs: '["0.0.0.0/0"]',
        allowWideOperatorCidrs: "yes",
      }),
    );
    expect(lines(checked.problems)).toEqual([
      'hashistack:nomadBridgeCidr: received "172.17.0.0/16"; allowed: a range that does not overlap hashistack:subnetCidr (172.17.0.0/20)',
      'hashistack:nomadBridgeCidr: received "172.17.0.0/16"; allowed: a range that does not overlap Docker\'s bridge 172.17.0.0/16',
      'hashistack:subnetCidr: received "172.17.0.0/20"; allowed: a range that does not overlap Docker\'s bridge 172.17.0.0/16',
      'hashistack:allowWideOperatorCidrs: received "yes"; allowed: true or false',
      `hashistack:operatorCidrs: received "[\\"0.0.0.0/0\\"]"; allowed: ${WIDE(3702258688)}`,
    ]);
  });

  test("a subnet that failed its own check is no block, so the bridge is not compared with it", () => {
    const checked = checkNetworks(
      new ConfigReader({ subnetCidr: "8.8.0.0/16", operatorCidrs: '["1.2.3.0/24"]' }),
    );
    expect(checked.value.subnet).toBeUndefined();
    expect(checked.problems.map((p) => p.key)).toEqual(["hashistack:subnetCidr"]);
  });
});

describe("unreachable", () => {
  const who = "users reach the API gateway";
  test("refuses a list without a public address, naming who must get in", () => {
    const r = new ConfigReader({ apiGatewayCidrs: '["10.0.0.0/8"]' });
    unreachable(r, "apiGatewayCidrs", ["10.0.0.0/8"], who);
    expect(lines(r.problems)).toEqual([
      'hashistack:apiGatewayCidrs: received "[\\"10.0.0.0/8\\"]"; allowed: at least one public range: users reach the API gateway through an external load balancer, from public addresses only',
    ]);
  });

  test("says nothing more about a list that failed its own check", () => {
    const earlier: ConfigProblem[] = [
      { key: "hashistack:apiGatewayCidrs[1]", received: '"x"', allowed: "y" },
    ];
    const r = new ConfigReader({}, earlier);
    unreachable(r, "apiGatewayCidrs", ["10.0.0.0/8", "x"], who);
    expect(r.problems).toEqual([]);
  });
});

describe("networks through validateConfig: one exact message each", () => {
  const cases: [string, RawConfig, string][] = [
    [
      "malformed subnet CIDR",
      base({ subnetCidr: "10.2.0.0/33" }),
      'hashistack:subnetCidr: received "10.2.0.0/33"; allowed: a private IPv4 CIDR block: the prefix length is greater than 32',
    ],
    [
      "subnet with host bits",
      base({ subnetCidr: "10.2.0.1/16" }),
      'hashistack:subnetCidr: received "10.2.0.1/16"; allowed: a private IPv4 CIDR block: host bits are set (did you mean 10.2.0.0/16?)',
    ],
    [
      "public subnet",
      base({ subnetCidr: "8.8.0.0/16" }),
      'hashistack:subnetCidr: received "8.8.0.0/16"; allowed: a CIDR block from /16 to /28 inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16',
    ],
    [
      "subnet overlapping the Nomad bridge",
      base({ subnetCidr: "172.26.0.0/16" }),
      'hashistack:nomadBridgeCidr: received "172.26.64.0/20"; allowed: a range that does not overlap hashistack:subnetCidr (172.26.0.0/16)',
    ],
    [
      "subnet overlapping Docker's bridge",
      base({ subnetCidr: "172.17.0.0/20" }),
      'hashistack:subnetCidr: received "172.17.0.0/20"; allowed: a range that does not overlap Docker\'s bridge 172.17.0.0/16',
    ],
    [
      "missing subnet",
      base({ subnetCidr: undefined }),
      "hashistack:subnetCidr: received (not set); allowed: a private IPv4 CIDR block from /16 to /28 (required, no default)",
    ],
    [
      "missing operator CIDRs",
      base({ operatorCidrs: undefined }),
      'hashistack:operatorCidrs: received (not set); allowed: a non-empty JSON list of IPv4 CIDR blocks, e.g. ["<your egress address>/32"] (required, no default)',
    ],
    [
      "empty operator CIDRs",
      base({ operatorCidrs: "[]" }),
      'hashistack:operatorCidrs: received "[]"; allowed: a non-empty JSON list of IPv4 CIDR blocks, e.g. ["<your egress address>/32"]',
    ],
    [
      "bad operator CIDR",
      base({ operatorCidrs: '["1.2.3.0/24","my-laptop"]' }),
      'hashistack:operatorCidrs[1]: received "my-laptop"; allowed: an IPv4 CIDR block: not an IPv4 CIDR block like 10.2.0.0/16',
    ],
  ];

  test.each(cases)(
    "rejects %s with one message naming key, value and what is allowed",
    (_name, raw, message) => {
      expect(problems(raw)).toEqual([message]);
    },
  );
});

/** Address ranges (bad input that used to get through, issue 11). */
const rules: [string, Record<string, string | undefined>, string][] = [
  // Control plane opened to the world, whole or in pieces.
  [
    "the world",
    { operatorCidrs: '["0.0.0.0/0"]' },
    `hashistack:operatorCidrs: received "[\\"0.0.0.0/0\\"]"; allowed: ${WIDE(3702258688)}`,
  ],
  [
    "the world in two halves",
    { operatorCidrs: '["0.0.0.0/1","128.0.0.0/1"]' },
    `hashistack:operatorCidrs: received "[\\"0.0.0.0/1\\",\\"128.0.0.0/1\\"]"; allowed: ${WIDE(3702258688)}`,
  ],
  [
    "a very short prefix",
    { operatorCidrs: '["35.0.0.0/8"]' },
    `hashistack:operatorCidrs: received "[\\"35.0.0.0/8\\"]"; allowed: ${WIDE(16777216)}`,
  ],
  [
    "two /16s (less TEST-NET-2 inside the first), more than allowed",
    { operatorCidrs: '["198.51.0.0/16","198.52.0.0/16"]' },
    `hashistack:operatorCidrs: received "[\\"198.51.0.0/16\\",\\"198.52.0.0/16\\"]"; allowed: ${WIDE(130816)}`,
  ],
  [
    "an opt-in that is not a boolean",
    { allowWideOperatorCidrs: "yes" },
    'hashistack:allowWideOperatorCidrs: received "yes"; allowed: true or false',
  ],
  // Documentation and other special-purpose ranges kept from an example (RFC 5737, 6890, 2544).
  [
    "the shipped placeholder kept (TEST-NET-3)",
    { operatorCidrs: '["203.0.113.0/24"]' },
    `hashistack:operatorCidrs[0]: received "203.0.113.0/24"; allowed: ${SPECIAL("203.0.113.0/24", "203.0.113.0/24", "the documentation block TEST-NET-3 (RFC 5737)")}`,
  ],
  [
    "an address from TEST-NET-1 beside a real range",
    { operatorCidrs: '["1.2.3.0/24","192.0.2.10/32"]' },
    `hashistack:operatorCidrs[1]: received "192.0.2.10/32"; allowed: ${SPECIAL("192.0.2.10/32", "192.0.2.0/24", "the documentation block TEST-NET-1 (RFC 5737)")}`,
  ],
  [
    "the IETF protocol block",
    { operatorCidrs: '["192.0.0.0/24"]' },
    `hashistack:operatorCidrs[0]: received "192.0.0.0/24"; allowed: ${SPECIAL("192.0.0.0/24", "192.0.0.0/24", "the IETF protocol assignments block (RFC 6890)")}`,
  ],
  // Source lists that can never match an external load balancer.
  [
    "operator ranges without a public address",
    { operatorCidrs: '["10.0.0.0/8","192.168.1.0/24"]' },
    'hashistack:operatorCidrs: received "[\\"10.0.0.0/8\\",\\"192.168.1.0/24\\"]"; allowed: at least one public range: this program and operators reach the control plane through an external load balancer, from public addresses only',
  ],
  // Nomad bridge range.
  [
    "a public bridge (CGNAT space)",
    { nomadBridgeCidr: "100.100.0.0/16" },
    `hashistack:nomadBridgeCidr: received "100.100.0.0/16"; allowed: ${PRIVATE_BRIDGE}`,
  ],
  [
    "a bridge over the metadata server",
    { nomadBridgeCidr: "169.254.0.0/16" },
    `hashistack:nomadBridgeCidr: received "169.254.0.0/16"; allowed: ${PRIVATE_BRIDGE}; this one overlaps link-local 169.254.0.0/16 (the GCE metadata server)`,
  ],
  [
    "a bridge over loopback",
    { nomadBridgeCidr: "127.0.0.0/16" },
    `hashistack:nomadBridgeCidr: received "127.0.0.0/16"; allowed: ${PRIVATE_BRIDGE}; this one overlaps loopback 127.0.0.0/8`,
  ],
  [
    "a bridge over a health-check range",
    { nomadBridgeCidr: "130.211.0.0/22" },
    `hashistack:nomadBridgeCidr: received "130.211.0.0/22"; allowed: ${PRIVATE_BRIDGE}; this one overlaps Google's health checks 130.211.0.0/22`,
  ],
  [
    "a bridge over IAP",
    { nomadBridgeCidr: "35.235.240.0/20" },
    `hashistack:nomadBridgeCidr: received "35.235.240.0/20"; allowed: ${PRIVATE_BRIDGE}; this one overlaps IAP's TCP forwarding 35.235.240.0/20`,
  ],
  [
    "a bridge over everything",
    { nomadBridgeCidr: "0.0.0.0/0" },
    `hashistack:nomadBridgeCidr: received "0.0.0.0/0"; allowed: ${PRIVATE_BRIDGE}; this one overlaps link-local 169.254.0.0/16 (the GCE metadata server); loopback 127.0.0.0/8; Google's health checks 35.191.0.0/16, 130.211.0.0/22, 209.85.152.0/22, 209.85.204.0/22; IAP's TCP forwarding 35.235.240.0/20`,
  ],
  [
    "a bridge on Docker's",
    { nomadBridgeCidr: "172.17.0.0/16" },
    'hashistack:nomadBridgeCidr: received "172.17.0.0/16"; allowed: a range that does not overlap Docker\'s bridge 172.17.0.0/16',
  ],
  [
    "a bridge too small for the allocations",
    { nomadBridgeCidr: "172.26.64.0/25" },
    'hashistack:nomadBridgeCidr: received "172.26.64.0/25"; allowed: a /24 or larger block: 253 allocation addresses per client (this one has 125)',
  ],
];

describe("address ranges: bad input that used to get through", () => {
  test.each(rules)("refuses %s with one exact message", (_name, values, message) => {
    expect(configProblems(baseConfig(values))).toEqual([message]);
  });
});
