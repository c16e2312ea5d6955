/**
 * How many and how big (components/config/counts.ts): servers, clients, machine types, the
 * servers' disk, the demo replicas, and whether they fit in the subnet and on the clients.
 */
import { checkCounts, checkFit, checkReplicas } from "../components/config/counts";
import { Cidr, parseCidr } from "../components/config/cidr";
import { ConfigReader } from "../components/config/reader";
import { ConfigProblem, RawConfig } from "../components/config/types";
import { acmeConfig, baseConfig, configProblems, problemLine } from "./harness/configCases";

const base = acmeConfig;
const problems = configProblems;
const lines = (found: ConfigProblem[]) => found.map(problemLine);
const subnet = (c: string) => parseCidr(c) as Cidr;

const MACHINES =
  "a GCE machine type of the E2, N1, N2, N2D, T2D, C2, C2D, C3 or C3D series, predefined (e2-standard-4, n2-highmem-8, c3-standard-4, e2-medium) or custom (e2-custom-4-8192, n2-custom-6-12288-ext, custom-2-7680)";
const SHARED_CORE_SERVER =
  "a machine type with dedicated vCPUs (e2-standard-2 or larger): shared-core types sustain at most one core between their 2 vCPUs and burst above it only briefly, and a Consul or Nomad server that falls behind under load loses its leadership (HashiCorp advises against burstable CPU for servers)";
const TOO_MANY =
  'hashistack:clientCount: received "1"; allowed: at least 3 clients of e2-standard-4 for the allocations (1 mesh-gateway/mesh-gateway, 1 api-gateway/gateway, 20 demo-backends/public-api, 20 demo-backends/private-api, 20 front-service/frontend: 21450 MHz, 11776 MB, 18600 MB disk; one client offers 7500 MHz, 15360 MB, 15360 MB disk after 500 MHz and 1024 MB for the host), a larger hashistack:clientMachineType, or fewer replicas';

describe("checkCounts", () => {
  test("the defaults: 3 servers of e2-standard-2, 2 clients of e2-standard-4, 50 GB disks", () => {
    const { value, problems: found } = checkCounts(new ConfigReader({}));
    expect(found).toEqual([]);
    expect(value).toMatchObject({
      serverCount: 3,
      clientCount: 2,
      serverMachineType: "e2-standard-2",
      clientMachineType: "e2-standard-4",
      clientMachine: { name: "e2-standard-4", vcpus: 4 },
      serverDiskSizeGb: 50,
    });
  });

  test("lists its problems key by key, the server size after both machine types", () => {
    const checked = checkCounts(
      new ConfigReader({
        serverCount: "4",
        clientCount: "0",
        serverMachineType: "e2-medium",
        clientMachineType: "e2-standard",
        serverDiskSizeGb: "10",
      }),
    );
    expect(lines(checked.problems)).toEqual([
      'hashistack:serverCount: received "4"; allowed: 3 or 5 (an odd count keeps Raft quorum)',
      'hashistack:clientCount: received "0"; allowed: an integer from 1 to 100',
      `hashistack:clientMachineType: received "e2-standard"; allowed: ${MACHINES}`,
      `hashistack:serverMachineType: received "e2-medium"; allowed: ${SHARED_CORE_SERVER}; e2-medium is shared-core`,
      'hashistack:serverDiskSizeGb: received "10"; allowed: an integer from 20 to 1000',
    ]);
    // A refused machine type leaves no shape for the capacity rule to judge.
    expect(checked.value.clientMachine).toBeUndefined();
  });

  test("a required machine type left blank says so", () => {
    expect(lines(checkCounts(new ConfigReader({ clientMachineType: "" })).problems)).toEqual([
      `hashistack:clientMachineType: received ""; allowed: ${MACHINES}, such as e2-standard-4 (required, no default)`,
    ]);
  });
});

describe("checkReplicas", () => {
  test("defaults 2, 2 and 1; 0 to 20 each, problems in key order", () => {
    expect(checkReplicas(new ConfigReader({}))).toEqual({
      value: { publicApi: 2, privateApi: 2, frontend: 1 },
      problems: [],
    });
    const found = checkReplicas(
      new ConfigReader({ frontendReplicas: "21", publicApiReplicas: "x" }),
    ).problems;
    expect(found.map((p) => p.key)).toEqual([
      "hashistack:publicApiReplicas",
      "hashistack:frontendReplicas",
    ]);
  });
});

describe("checkFit", () => {
  const counts = checkCounts(new ConfigReader({ clientCount: "1" })).value;
  const many = { publicApi: 20, privateApi: 20, frontend: 20 };

  test("the subnet first, then the clients", () => {
    const r = new ConfigReader({ subnetCidr: "10.2.0.0/29", clientCount: "1" });
    expect(lines(checkFit(r, subnet("10.2.0.0/29"), counts, many))).toEqual([
      'hashistack:subnetCidr: received "10.2.0.0/29"; allowed: a block with room for 3 servers, 1 clients and 3 surge clients (7 addresses; GCE keeps 4): /28 or larger',
      TOO_MANY,
    ]);
    // Without a subnet block (subnetCidr failed its own check) only the clients are judged.
    expect(
      lines(checkFit(new ConfigReader({ clientCount: "1" }), undefined, counts, many)),
    ).toEqual([TOO_MANY]);
  });

  test("a rule skips keys that already failed their own check", () => {
    const earlier: ConfigProblem[] = [
      { key: "hashistack:clientCount", received: '"0"', allowed: "x" },
    ];
    const r = new ConfigReader({ clientCount: "0" }, earlier);
    expect(checkFit(r, subnet("10.2.0.0/28"), { ...counts, clientCount: 10 }, many)).toEqual([]);
    const replicaFailed = new ConfigReader({}, [
      { key: "hashistack:frontendReplicas", received: '"21"', allowed: "x" },
    ]);
    expect(checkFit(replicaFailed, undefined, counts, many)).toEqual([]);
    // No shape (a refused machine type): nothing to judge either.
    const shapeless = { ...counts, clientMachine: undefined };
    expect(checkFit(new ConfigReader({}), undefined, shapeless, many)).toEqual([]);
  });
});

describe("counts through validateConfig: one exact message each", () => {
  const cases: [string, RawConfig, string][] = [
    [
      "even server count",
      base({ serverCount: "4" }),
      'hashistack:serverCount: received "4"; allowed: 3 or 5 (an odd count keeps Raft quorum)',
    ],
    [
      "server count 1",
      base({ serverCount: "1" }),
      'hashistack:serverCount: received "1"; allowed: 3 or 5 (an odd count keeps Raft quorum)',
    ],
    [
      "non-numeric server count",
      base({ serverCount: "three" }),
      'hashistack:serverCount: received "three"; allowed: 3 or 5 (an odd count keeps Raft quorum)',
    ],
    [
      "zero clients",
      base({ clientCount: "0" }),
      'hashistack:clientCount: received "0"; allowed: an integer from 1 to 100',
    ],
    [
      "negative replicas",
      base({ publicApiReplicas: "-1" }),
      'hashistack:publicApiReplicas: received "-1"; allowed: an integer from 0 to 20',
    ],
    [
      "fractional replicas",
      base({ privateApiReplicas: "1.5" }),
      'hashistack:privateApiReplicas: received "1.5"; allowed: an integer from 0 to 20',
    ],
  ];

  test.each(cases)(
    "rejects %s with one message naming key, value and what is allowed",
    (_name, raw, message) => {
      expect(problems(raw)).toEqual([message]);
    },
  );
});

/** Machine types and capacity (bad input that used to get through, issue 11). */
const rules: [string, Record<string, string | undefined>, string][] = [
  // Machine types.
  [
    "a machine type without a size",
    { clientMachineType: "e2-standard" },
    `hashistack:clientMachineType: received "e2-standard"; allowed: ${MACHINES}`,
  ],
  [
    "a misspelled machine type",
    { clientMachineType: "e2-standrad-4" },
    `hashistack:clientMachineType: received "e2-standrad-4"; allowed: ${MACHINES}; e2 comes as standard, highmem or highcpu`,
  ],
  [
    "a size the family does not come in",
    { clientMachineType: "e2-standard-6" },
    `hashistack:clientMachineType: received "e2-standard-6"; allowed: ${MACHINES}; e2-standard comes with 2, 4, 8, 16 or 32 vCPUs`,
  ],
  [
    "a custom type with too little memory",
    { clientMachineType: "n2-custom-6-1024" },
    `hashistack:clientMachineType: received "n2-custom-6-1024"; allowed: ${MACHINES}; custom N2 types take vCPUs 2 to 32 (even) or 36 to 128 (multiples of 4), and memory 512 to 8192 MB per vCPU in multiples of 256 MB (up to 638976 MB in total with -ext)`,
  ],
  [
    "extended memory on E2",
    { clientMachineType: "e2-custom-4-8192-ext" },
    `hashistack:clientMachineType: received "e2-custom-4-8192-ext"; allowed: ${MACHINES}; custom E2 types take vCPUs 2 to 32 (even), and memory 512 to 8192 MB per vCPU in multiples of 256 MB`,
  ],
  [
    "an Arm machine type (the image is x86-64)",
    { serverMachineType: "t2a-standard-4" },
    `hashistack:serverMachineType: received "t2a-standard-4"; allowed: ${MACHINES}; T2A is Arm; the image is x86-64 (Debian 12 amd64)`,
  ],
  [
    "a Hyperdisk-only series (the disks are pd-balanced)",
    { clientMachineType: "n4-standard-4" },
    `hashistack:clientMachineType: received "n4-standard-4"; allowed: ${MACHINES}; N4 takes Hyperdisk only; this program's disks are pd-balanced`,
  ],
  [
    "Arm and Hyperdisk only",
    { clientMachineType: "c4a-standard-4" },
    `hashistack:clientMachineType: received "c4a-standard-4"; allowed: ${MACHINES}; C4A is Arm; the image is x86-64 (Debian 12 amd64), and takes Hyperdisk only`,
  ],
  [
    "a bare-metal type",
    { clientMachineType: "c3-standard-192-metal" },
    `hashistack:clientMachineType: received "c3-standard-192-metal"; allowed: ${MACHINES}; bare-metal types take Hyperdisk only and no Shielded VM; this program's disks are pd-balanced and its VMs shielded`,
  ],
  [
    "a Local SSD variant",
    { clientMachineType: "c3-standard-8-lssd" },
    `hashistack:clientMachineType: received "c3-standard-8-lssd"; allowed: ${MACHINES}; the -lssd variants attach Local SSD this program never uses (and bill it); take c3-standard-8`,
  ],
  [
    "a C3 size that is bare metal only",
    { clientMachineType: "c3-standard-192" },
    `hashistack:clientMachineType: received "c3-standard-192"; allowed: ${MACHINES}; c3-standard comes with 4, 8, 22, 44, 88 or 176 vCPUs`,
  ],
  [
    "a shape the series does not come in",
    { clientMachineType: "n1-megamem-96" },
    `hashistack:clientMachineType: received "n1-megamem-96"; allowed: ${MACHINES}; n1 comes as standard, highmem or highcpu`,
  ],
  // Capacity.
  [
    "servers too small for Consul and Nomad",
    { serverMachineType: "n1-standard-1" },
    'hashistack:serverMachineType: received "n1-standard-1"; allowed: a machine type with at least 2 vCPUs and 4096 MB for a Consul and a Nomad server: n1-standard-1 has 1 vCPUs and 3840 MB',
  ],
  [
    "servers on a shared core, even one with 4 GB",
    { serverMachineType: "e2-medium" },
    `hashistack:serverMachineType: received "e2-medium"; allowed: ${SHARED_CORE_SERVER}; e2-medium is shared-core`,
  ],
  [
    "servers on a custom shared core",
    { serverMachineType: "e2-custom-medium-8192" },
    `hashistack:serverMachineType: received "e2-custom-medium-8192"; allowed: ${SHARED_CORE_SERVER}; e2-custom-medium-8192 is shared-core`,
  ],
  [
    "clients with no room for one allocation",
    { clientMachineType: "e2-micro" },
    'hashistack:clientMachineType: received "e2-micro"; allowed: a machine type with room for the allocation mesh-gateway/mesh-gateway (250 MHz, 128 MB, 300 MB disk) after 500 MHz and 1024 MB for the host: e2-micro offers 3500 MHz, 0 MB, 15360 MB disk',
  ],
  [
    "more replicas than the clients hold",
    { clientCount: "1", publicApiReplicas: "20", privateApiReplicas: "20", frontendReplicas: "20" },
    'hashistack:clientCount: received "1"; allowed: at least 3 clients of e2-standard-4 for the allocations (1 mesh-gateway/mesh-gateway, 1 api-gateway/gateway, 20 demo-backends/public-api, 20 demo-backends/private-api, 20 front-service/frontend: 21450 MHz, 11776 MB, 18600 MB disk; one client offers 7500 MHz, 15360 MB, 15360 MB disk after 500 MHz and 1024 MB for the host), a larger hashistack:clientMachineType, or fewer replicas',
  ],
  // Counts against the subnet.
  [
    "a subnet without room for the instances",
    { subnetCidr: "10.2.0.0/28", clientCount: "10" },
    'hashistack:subnetCidr: received "10.2.0.0/28"; allowed: a block with room for 3 servers, 10 clients and 3 surge clients (16 addresses; GCE keeps 4): /27 or larger',
  ],
];

describe("machine types and capacity: bad input that used to get through", () => {
  test.each(rules)("refuses %s with one exact message", (_name, values, message) => {
    expect(configProblems(baseConfig(values))).toEqual([message]);
  });
});
