/**
 * The ways in from outside (components/config/gateways.ts): the gateways' source ranges,
 * SSH through IAP, the API gateway's listener port, and who must get through each gateway.
 */
import { checkGatewayReach, checkGateways } from "../components/config/gateways";
import { ConfigReader } from "../components/config/reader";
import { ConfigProblem, RawConfig } from "../components/config/types";
import { acmeConfig, baseConfig, configProblems, problemLine } from "./harness/configCases";

const base = acmeConfig;
const problems = configProblems;
const lines = (found: ConfigProblem[]) => found.map(problemLine);

const SPECIAL = (entry: string, block: string, name: string) =>
  `a range real traffic comes from: ${entry} lies in ${block}, ${name}, and no packet on the internet comes from there; put your own range here (your egress address as a /32)`;
const REACH = (who: string) =>
  `at least one public range: ${who} through an external load balancer, from public addresses only`;

describe("checkGateways", () => {
  test("the defaults: both gateways open to the internet, no SSH, the listener on 8080", () => {
    expect(checkGateways(new ConfigReader({}))).toEqual({
      value: {
        apiGatewayCidrs: ["0.0.0.0/0"],
        meshGatewayCidrs: ["0.0.0.0/0"],
        sshViaIap: false,
        apiGatewayPort: 8080,
      },
      problems: [],
    });
  });

  test("lists its problems in key order: the source lists, SSH, the port", () => {
    const found = checkGateways(
      new ConfigReader({
        apiGatewayPort: "8500",
        sshViaIap: "1",
        meshGatewayCidrs: "[]",
        apiGatewayCidrs: '["x"]',
      }),
    ).problems;
    expect(found.map((p) => p.key)).toEqual([
      "hashistack:apiGatewayCidrs[0]",
      "hashistack:meshGatewayCidrs",
      "hashistack:sshViaIap",
      "hashistack:apiGatewayPort",
    ]);
  });

  test.each([
    1024, 4645, 4649, 8080, 8299, 8303, 8442, 8444, 8499, 8504, 8599, 8601, 18999, 32001, 65535,
  ])("port %i is free for the API gateway", (port) => {
    const checked = checkGateways(new ConfigReader({ apiGatewayPort: String(port) }));
    expect(checked.problems).toEqual([]);
    expect(checked.value.apiGatewayPort).toBe(port);
  });

  test.each<[number, string]>([
    [4646, "Nomad (4646-4648)"],
    [4648, "Nomad (4646-4648)"],
    [8300, "Consul (8300-8302)"],
    [8302, "Consul (8300-8302)"],
    [8500, "Consul (8500-8503)"],
    [8503, "Consul (8500-8503)"],
    [8600, "Consul DNS (8600-8600)"],
    [8443, "the mesh gateway (8443-8443)"],
    [19000, "Envoy admin (19000-19999)"],
    [19999, "Envoy admin (19000-19999)"],
    [20000, "Nomad dynamic ports (20000-32000)"],
    [32000, "Nomad dynamic ports (20000-32000)"],
  ])("port %i is taken by %s", (port, owner) => {
    expect(
      lines(checkGateways(new ConfigReader({ apiGatewayPort: String(port) })).problems),
    ).toEqual([
      `hashistack:apiGatewayPort: received "${port}"; allowed: a port from 1024 to 65535 not used by ${owner}`,
    ]);
  });

  test.each(["1023", "65536", "http"])("port %s is no port for a listener", (port) => {
    expect(lines(checkGateways(new ConfigReader({ apiGatewayPort: port })).problems)).toEqual([
      `hashistack:apiGatewayPort: received "${port}"; allowed: an integer from 1024 to 65535`,
    ]);
  });
});

describe("checkGatewayReach", () => {
  const values = { apiGatewayCidrs: '["10.0.0.0/8"]', meshGatewayCidrs: '["192.168.0.0/16"]' };
  const lists = { apiGatewayCidrs: ["10.0.0.0/8"], meshGatewayCidrs: ["192.168.0.0/16"] };

  test("private-only lists are refused when someone must get in: the mesh gateway first", () => {
    expect(
      lines(checkGatewayReach(new ConfigReader(values), lists, { peers: 1, frontend: 1 })),
    ).toEqual([
      `hashistack:meshGatewayCidrs: received "[\\"192.168.0.0/16\\"]"; allowed: ${REACH("the peers' servers and gateways reach the mesh gateway")}`,
      `hashistack:apiGatewayCidrs: received "[\\"10.0.0.0/8\\"]"; allowed: ${REACH("users reach the API gateway")}`,
    ]);
  });

  test("no peers, no frontend: nobody comes through, any list will do", () => {
    expect(checkGatewayReach(new ConfigReader(values), lists, { peers: 0, frontend: 0 })).toEqual(
      [],
    );
  });

  test("a list that failed its own check raises no second problem", () => {
    const earlier: ConfigProblem[] = [
      { key: "hashistack:meshGatewayCidrs", received: '"x"', allowed: "each CIDR block once" },
    ];
    const r = new ConfigReader(values, earlier);
    expect(checkGatewayReach(r, lists, { peers: 1, frontend: 0 })).toEqual([]);
  });
});

describe("gateways through validateConfig: one exact message each", () => {
  const cases: [string, RawConfig, string][] = [
    [
      "API gateway on a Consul port",
      base({ apiGatewayPort: "8501" }),
      'hashistack:apiGatewayPort: received "8501"; allowed: a port from 1024 to 65535 not used by Consul (8500-8503)',
    ],
    [
      "API gateway on the mesh gateway port",
      base({ apiGatewayPort: "8443" }),
      'hashistack:apiGatewayPort: received "8443"; allowed: a port from 1024 to 65535 not used by the mesh gateway (8443-8443)',
    ],
    [
      "sshViaIap not a boolean",
      base({ sshViaIap: "yes" }),
      'hashistack:sshViaIap: received "yes"; allowed: true or false',
    ],
  ];

  test.each(cases)(
    "rejects %s with one message naming key, value and what is allowed",
    (_name, raw, message) => {
      expect(problems(raw)).toEqual([message]);
    },
  );
});

/** Gateway source ranges (bad input that used to get through, issue 11). */
const rules: [string, Record<string, string | undefined>, string][] = [
  [
    "TEST-NET-2 as the mesh gateway's source",
    { meshGatewayCidrs: '["198.51.100.0/24"]' },
    `hashistack:meshGatewayCidrs[0]: received "198.51.100.0/24"; allowed: ${SPECIAL("198.51.100.0/24", "198.51.100.0/24", "the documentation block TEST-NET-2 (RFC 5737)")}`,
  ],
  [
    "the benchmarking block as the API gateway's source",
    { apiGatewayCidrs: '["198.19.0.0/16"]' },
    `hashistack:apiGatewayCidrs[0]: received "198.19.0.0/16"; allowed: ${SPECIAL("198.19.0.0/16", "198.18.0.0/15", "the benchmarking block (RFC 2544)")}`,
  ],
  [
    "a private-only mesh gateway list with peers",
    { meshGatewayCidrs: '["10.0.0.0/8"]' },
    'hashistack:meshGatewayCidrs: received "[\\"10.0.0.0/8\\"]"; allowed: at least one public range: the peers\' servers and gateways reach the mesh gateway through an external load balancer, from public addresses only',
  ],
  [
    "a private-only API gateway list with a frontend",
    { apiGatewayCidrs: '["192.168.0.0/16"]' },
    'hashistack:apiGatewayCidrs: received "[\\"192.168.0.0/16\\"]"; allowed: at least one public range: users reach the API gateway through an external load balancer, from public addresses only',
  ],
];

describe("gateway sources: bad input that used to get through", () => {
  test.each(rules)("refuses %s with one exact message", (_name, values, message) => {
    expect(configProblems(baseConfig(values))).toEqual([message]);
  });
});
