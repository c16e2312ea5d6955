/**
 * Bad input that used to get through validation (issue 11): each category is refused with
 * one exact message naming the key, the value received and what is allowed, before any
 * resource exists.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { validateConfig } from "../components/config/loadConfig";
import { baseConfig as base, configProblems } from "./harness/configCases";
import { ROOT, runProgram } from "./harness/program";

const MACHINES =
  "a GCE machine type of the E2, N1, N2, N2D, T2D, C2, C2D, C3 or C3D series, predefined (e2-standard-4, n2-highmem-8, c3-standard-4, e2-medium) or custom (e2-custom-4-8192, n2-custom-6-12288-ext, custom-2-7680)";
const WIDE = (covered: number) =>
  `ranges covering at most 65536 public addresses in total (one /16's worth; these cover ${covered}): the control plane (Consul 8501, Nomad 4646) is for your own networks; set hashistack:allowWideOperatorCidrs to true to open it this wide on purpose`;
const PRIVATE_BRIDGE = "a private range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16";
const SHARED_CORE_SERVER =
  "a machine type with dedicated vCPUs (e2-standard-2 or larger): shared-core types sustain at most one core between their 2 vCPUs and burst above it only briefly, and a Consul or Nomad server that falls behind under load loses its leadership (HashiCorp advises against burstable CPU for servers)";
const SPECIAL = (entry: string, block: string, name: string) =>
  `a range real traffic comes from: ${entry} lies in ${block}, ${name}, and no packet on the internet comes from there; put your own range here (your egress address as a /32)`;
const VERSION = (min: string) =>
  `a release version x.y.z, at least ${min}, with major 1 or 2, minor and patch at most 99 and no leading zeros (no "v" prefix, no "+ent": Enterprise follows the license)`;

const cases: [string, Record<string, string | undefined>, string][] = [
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
  // Versions that cannot exist.
  [
    "a leading zero",
    { consulVersion: "1.022.6" },
    `hashistack:consulVersion: received "1.022.6"; allowed: ${VERSION("1.18.0")}`,
  ],
  [
    "an absurd patch",
    { nomadVersion: "1.10.300" },
    `hashistack:nomadVersion: received "1.10.300"; allowed: ${VERSION("1.8.0")}`,
  ],
  [
    "an absurd major",
    { consulVersion: "12.0.0" },
    `hashistack:consulVersion: received "12.0.0"; allowed: ${VERSION("1.18.0")}`,
  ],
  // Readiness timeout.
  [
    "a readiness timeout shorter than autohealing's first-boot allowance",
    { readinessTimeoutMinutes: "5" },
    'hashistack:readinessTimeoutMinutes: received "5"; allowed: an integer from 15 to 120: at least the 15 minutes autohealing gives a new VM before judging it, so the gate never gives up on VMs GCE still counts as booting (a failed boot ends the wait at once)',
  ],
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

describe("bad input that used to get through", () => {
  test.each(cases)("refuses %s with one exact message", (_name, values, message) => {
    expect(configProblems(base(values))).toEqual([message]);
  });

  test.each(["eu-west1", "europe-west", "europe-west1-b", "mars-north1"])(
    "refuses the region %s",
    (region) => {
      expect(configProblems(base({}, { gcpRegion: region }))).toEqual([
        `gcp:region: received "${region}"; allowed: a GCP region such as europe-west1 (required)`,
      ]);
    },
  );

  test("accepts what is allowed at each limit", () => {
    const ok = (values: Record<string, string>, region = "europe-west1") =>
      expect(() => validateConfig(base(values, { gcpRegion: region }), "dc1")).not.toThrow();
    ok({ operatorCidrs: '["0.0.0.0/0"]', allowWideOperatorCidrs: "true" });
    // One /16 plus private ranges: the private ones do not count.
    ok({ operatorCidrs: '["198.51.0.0/16","10.0.0.0/8","192.168.0.0/24"]' });
    // A block around a documentation range is not an example left in; only its public part counts.
    ok({ operatorCidrs: '["203.0.0.0/16"]' });
    ok({ meshGatewayCidrs: '["10.0.0.0/8"]', peers: "[]" });
    ok({ apiGatewayCidrs: '["10.0.0.0/8"]', frontendReplicas: "0" });
    ok({ nomadBridgeCidr: "192.168.100.0/24" });
    ok({ consulVersion: "2.0.0", nomadVersion: "1.11.3" });
    ok({ readinessTimeoutMinutes: "15" });
    ok({ clientMachineType: "n2-custom-6-12288", serverMachineType: "e2-standard-2" });
    // Shared-core clients pass when the allocations fit (the capacity check decides).
    ok({
      clientMachineType: "e2-medium",
      clientCount: "4",
      publicApiReplicas: "1",
      privateApiReplicas: "1",
    });
    ok({ clientMachineType: "c3-standard-4", serverMachineType: "c3d-highcpu-4" });
    ok({ clientMachineType: "c3d-standard-360", serverMachineType: "c3-highmem-176" });
    ok({ clientMachineType: "custom-2-7680", serverMachineType: "n1-highcpu-8" });
    ok({
      clientCount: "3",
      publicApiReplicas: "20",
      privateApiReplicas: "20",
      frontendReplicas: "20",
    });
    ok({ subnetCidr: "10.2.0.0/28", clientCount: "5" });
    ok({}, "northamerica-northeast2");
  });

  test("a key that failed its own check raises no second problem across keys", () => {
    expect(
      configProblems(base({ clientCount: "0", publicApiReplicas: "20", frontendReplicas: "20" })),
    ).toEqual(['hashistack:clientCount: received "0"; allowed: an integer from 1 to 100']);
    expect(configProblems(base({ operatorCidrs: '["10.0.0.0/8","1.2.3.0/33"]' }))).toEqual([
      'hashistack:operatorCidrs[1]: received "1.2.3.0/33"; allowed: an IPv4 CIDR block: the prefix length is greater than 32',
    ]);
  });

  test("Pulumi.yaml declares the opt-in with a default (a key without one is required)", () => {
    const doc = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
      config: Record<string, { type: string; default?: unknown; description: string }>;
    };
    expect(doc.config.allowWideOperatorCidrs).toMatchObject({ type: "boolean", default: false });
    expect(doc.config.allowWideOperatorCidrs?.description).toContain("65536 public addresses");
  });
});

describe("refused before any resource exists", () => {
  test.each<[string, Record<string, unknown>, string]>([
    [
      "a world-open control plane",
      { "hashistack:operatorCidrs": ["0.0.0.0/0"] },
      "hashistack:operatorCidrs",
    ],
    [
      "a bridge over the metadata server",
      { "hashistack:nomadBridgeCidr": "169.254.0.0/16" },
      "hashistack:nomadBridgeCidr",
    ],
    [
      "a version with a leading zero",
      { "hashistack:nomadVersion": "1.010.3" },
      "hashistack:nomadVersion",
    ],
    [
      "a short readiness timeout",
      { "hashistack:readinessTimeoutMinutes": 3 },
      "hashistack:readinessTimeoutMinutes",
    ],
    [
      "an unknown machine type",
      { "hashistack:clientMachineType": "e2-standard" },
      "hashistack:clientMachineType",
    ],
    [
      "replicas beyond the clients",
      {
        "hashistack:publicApiReplicas": 20,
        "hashistack:privateApiReplicas": 20,
        "hashistack:frontendReplicas": 20,
      },
      "hashistack:clientCount",
    ],
  ])("%s: the stack registers nothing", async (_name, config, key) => {
    const run = await runProgram({ stack: "dc1", config });
    expect(run.error?.message).toMatch(
      /^Invalid configuration for stack "dc1" \(1 problem\); nothing was created:/,
    );
    expect(run.error?.message).toContain(`  - ${key}: received `);
    expect(run.graph.all().map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });

  test("the opt-in lets a world-open control plane through, and the firewall says so", async () => {
    const run = await runProgram({
      stack: "dc1",
      config: {
        "hashistack:operatorCidrs": ["0.0.0.0/0"],
        "hashistack:allowWideOperatorCidrs": true,
      },
    });
    expect(run.error).toBeUndefined();
    const rule = run.graph
      .all("gcp:compute/firewall:Firewall")
      .find((r) => r.inputs.name === "dc1-operators");
    expect(rule?.inputs.sourceRanges).toEqual(["0.0.0.0/0"]);
  });
});
