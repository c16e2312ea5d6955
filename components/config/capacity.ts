/**
 * A rough capacity check: do the demo's allocations and the gateways fit on the clients,
 * and are the servers big enough? Per-job resources live in one typed table, `JOBS`, that a
 * test compares with the jobspecs (parsed with @cdktf/hcl2json) so the two cannot drift.
 *
 * Nomad's own accounting is followed (nomad/structs `AllocatedResources.Comparable`): a
 * group needs, per dimension, the larger of its main phase (main tasks plus prestart
 * sidecars) and its prestart phase (prestart tasks); Nomad injects an Envoy task of
 * 250 MHz / 128 MB for every `sidecar_service` and every Connect gateway
 * (job_endpoint_hook_connect.go `connectSidecarResources`), and each group reserves an
 * `ephemeral_disk` of 300 MB by default (structs `DefaultEphemeralDisk`).
 * The check is necessary, not sufficient: sums per dimension, no bin packing.
 */
import { DemoReplicas } from "./types";
import { MachineShape, isSharedCore } from "./machineTypes";

/** One task's `resources` block. */
export interface TaskResources {
  task: string;
  cpuMhz: number;
  memoryMb: number;
  /** `lifecycle { hook = "prestart", sidecar = ... }`; absent for main tasks. */
  prestart?: { sidecar: boolean };
}

/** One task group: its count, network mode, the Envoy Nomad injects, its tasks. */
export interface GroupResources {
  group: string;
  /** `1`, or the replica count behind a jobspec variable (`count = var.<variable>`). */
  count: 1 | { replicas: keyof DemoReplicas; variable: string };
  network: "bridge" | "host";
  /** `sidecar`: `connect { sidecar_service {} }`; `gateway`: `connect { gateway {} }`. */
  envoy?: "sidecar" | "gateway";
  /** `sidecar_task { resources }` of that Envoy; absent: Nomad's default (`NOMAD_ENVOY`). */
  envoyResources?: { cpuMhz: number; memoryMb: number };
  tasks: readonly TaskResources[];
  /** `ephemeral_disk { size }`; absent: Nomad's default. */
  ephemeralDiskMb?: number;
}

/** One jobspec: the job it defines and when this program runs it. */
export interface JobResources {
  file: string;
  job: string;
  /** `frontend`: only when `frontendReplicas` > 0 (the API gateway serves the frontend). */
  runs: "always" | "frontend";
  groups: readonly GroupResources[];
}

/** Resources of the shipped jobspecs (`jobspecs/`). */
export const JOBS: readonly JobResources[] = [
  {
    file: "mesh-gateway.nomad.hcl",
    job: "mesh-gateway",
    runs: "always",
    groups: [{ group: "mesh-gateway", count: 1, network: "host", envoy: "gateway", tasks: [] }],
  },
  {
    file: "api-gateway.nomad.hcl",
    job: "api-gateway",
    runs: "frontend",
    groups: [
      {
        group: "gateway",
        count: 1,
        network: "bridge",
        tasks: [
          { task: "setup", cpuMhz: 100, memoryMb: 64, prestart: { sidecar: false } },
          { task: "api", cpuMhz: 200, memoryMb: 128 },
        ],
      },
    ],
  },
  {
    file: "backends.nomad.hcl",
    job: "demo-backends",
    runs: "always",
    groups: (["public", "private"] as const).map((side) => ({
      group: `${side}-api`,
      count: {
        replicas: side === "public" ? "publicApi" : "privateApi",
        variable: `${side}_replicas`,
      },
      network: "bridge",
      envoy: "sidecar",
      tasks: [{ task: `${side}-api`, cpuMhz: 100, memoryMb: 64 }],
    })),
  },
  {
    file: "frontend.nomad.hcl",
    job: "front-service",
    runs: "frontend",
    groups: [
      {
        group: "frontend",
        count: { replicas: "frontend", variable: "replicas" },
        network: "bridge",
        envoy: "sidecar",
        tasks: [{ task: "web", cpuMhz: 100, memoryMb: 64 }],
      },
    ],
  },
];

/** Nomad's injected Envoy task and default ephemeral disk (see the module comment). */
/** Resources of the Envoy task Nomad injects for a sidecar or a gateway. */
export const NOMAD_ENVOY = { cpuMhz: 250, memoryMb: 128 };
/** A group's `ephemeral_disk` when the jobspec sets none. */
export const NOMAD_DEFAULT_EPHEMERAL_DISK_MB = 300;

/**
 * How Nomad sizes a client, roughly. It fingerprints each vCPU at the speed the VM reports
 * (sysfs, dmidecode or /proc/cpuinfo: 2.0 to 3.1 GHz on these series); 2,000 MHz is the low
 * end. This program sets no `client.reserved`, so Nomad would hand out everything; the host
 * still runs Debian, Docker and the Consul and Nomad agents, kept back here. The client boot
 * disk is 20 GB (`nodeGroup.ts`, checked by a test); the OS, packages and images take about 5.
 * (Nomad 1.x offers the disk space free when the agent starts; 2.x the volume's size.)
 */
export const MHZ_PER_VCPU = 2000;
/** What the host itself keeps on each client (not offered to allocations). */
export const HOST_SHARE = { cpuMhz: 500, memoryMb: 1024 };
/** The clients' boot disk (GB), where Nomad's data_dir and Docker's images live. */
export const CLIENT_BOOT_DISK_GB = 20;
/** Disk Nomad can hand to allocations' ephemeral disks on one client. */
export const CLIENT_DISK_FOR_ALLOCATIONS_MB = (CLIENT_BOOT_DISK_GB - 5) * 1024;

/**
 * Smallest server: two vCPUs and 4 GB. Each server runs a Consul and a Nomad server, which
 * keep all their state in memory, beside the OS; below that a snapshot or a burst of
 * allocations can push one out of memory and cost quorum.
 */
export const SERVER_MIN = { vcpus: 2, memoryMb: 4096 };

/**
 * Why servers take no shared-core type, even one large enough (e2-medium: 2 vCPUs, 4 GB):
 * its vCPUs sustain at most one core between them and burst above that only briefly. A Raft
 * leader that falls behind under sustained load misses its heartbeats and the cluster holds
 * an election, pausing writes; HashiCorp's Consul capacity planning advises "avoiding
 * burstable CPU and storage options where performance may drop after a consistent load"
 * (developer.hashicorp.com/consul/docs/architecture/capacity-planning). Clients may use them:
 * the capacity check below still holds them to what they offer.
 */
export const SERVER_SHARED_CORE_ALLOWED =
  "a machine type with dedicated vCPUs (e2-standard-2 or larger): shared-core types sustain at most one core " +
  "between their 2 vCPUs and burst above it only briefly, and a Consul or Nomad server that falls behind " +
  "under load loses its leadership (HashiCorp advises against burstable CPU for servers)";

/** What one allocation of a group reserves. */
export interface Demand {
  cpuMhz: number;
  memoryMb: number;
  diskMb: number;
}

/** One group's per-allocation demand, as Nomad accounts it. */
export function groupDemand(g: GroupResources): Demand {
  const tasks = g.envoy
    ? [
        ...g.tasks,
        {
          task: "envoy",
          ...(g.envoyResources ?? NOMAD_ENVOY),
          ...(g.envoy === "sidecar" ? { prestart: { sidecar: true } } : {}),
        },
      ]
    : g.tasks;
  const main = tasks.filter((t) => !t.prestart || t.prestart.sidecar);
  const pre = tasks.filter((t) => t.prestart);
  const sum = (ts: readonly TaskResources[], k: "cpuMhz" | "memoryMb") =>
    ts.reduce((a, t) => a + t[k], 0);
  return {
    cpuMhz: Math.max(sum(main, "cpuMhz"), sum(pre, "cpuMhz")),
    memoryMb: Math.max(sum(main, "memoryMb"), sum(pre, "memoryMb")),
    diskMb: g.ephemeralDiskMb ?? NOMAD_DEFAULT_EPHEMERAL_DISK_MB,
  };
}

/** Allocation count of a group for these replicas (0 when its job does not run). */
export function groupCount(job: JobResources, g: GroupResources, replicas: DemoReplicas): number {
  if (job.runs === "frontend" && replicas.frontend === 0) return 0;
  return g.count === 1 ? 1 : replicas[g.count.replicas];
}

/** Bridge-mode allocations: each takes one address of the client's bridge range. */
export function maxBridgeAllocations(replicas: DemoReplicas): number {
  return JOBS.flatMap((j) =>
    j.groups.filter((g) => g.network === "bridge").map((g) => groupCount(j, g, replicas)),
  ).reduce((a, n) => a + n, 0);
}

/** What one client offers allocations: Nomad's view minus the host's share. */
export function clientOffer(m: MachineShape): Demand {
  return {
    cpuMhz: Math.max(0, m.vcpus * MHZ_PER_VCPU - HOST_SHARE.cpuMhz),
    memoryMb: Math.max(0, m.memoryMb - HOST_SHARE.memoryMb),
    diskMb: CLIENT_DISK_FOR_ALLOCATIONS_MB,
  };
}

const fmt = (d: Demand) => `${d.cpuMhz} MHz, ${d.memoryMb} MB, ${d.diskMb} MB disk`;
const fits = (d: Demand, offer: Demand) =>
  d.cpuMhz <= offer.cpuMhz && d.memoryMb <= offer.memoryMb && d.diskMb <= offer.diskMb;

/** A capacity problem: which key to change and what is allowed. */
export interface CapacityProblem {
  key: "clientMachineType" | "clientCount";
  allowed: string;
}

/**
 * The demo's allocations against the clients: the largest must fit on one client, and all
 * together on all of them. Returns the problem, or undefined when they fit.
 */
export function clientCapacity(
  machine: MachineShape,
  clients: number,
  replicas: DemoReplicas,
): CapacityProblem | undefined {
  const offer = clientOffer(machine);
  const groups = JOBS.flatMap((j) =>
    j.groups.map((g) => ({
      name: `${j.job}/${g.group}`,
      n: groupCount(j, g, replicas),
      d: groupDemand(g),
    })),
  ).filter((g) => g.n > 0);
  const host = `after ${HOST_SHARE.cpuMhz} MHz and ${HOST_SHARE.memoryMb} MB for the host`;
  const tooBig = groups.find((g) => !fits(g.d, offer));
  if (tooBig) {
    return {
      key: "clientMachineType",
      allowed: `a machine type with room for the allocation ${tooBig.name} (${fmt(tooBig.d)}) ${host}: ${machine.name} offers ${fmt(offer)}`,
    };
  }
  const total: Demand = { cpuMhz: 0, memoryMb: 0, diskMb: 0 };
  for (const g of groups)
    for (const k of ["cpuMhz", "memoryMb", "diskMb"] as const) total[k] += g.n * g.d[k];
  const needed = Math.max(
    ...(["cpuMhz", "memoryMb", "diskMb"] as const).map((k) => Math.ceil(total[k] / offer[k])),
  );
  if (needed <= clients) return undefined;
  const counts = groups.map((g) => `${g.n} ${g.name}`).join(", ");
  return {
    key: "clientCount",
    allowed:
      `at least ${needed} clients of ${machine.name} for the allocations (${counts}: ${fmt(total)}; ` +
      `one client offers ${fmt(offer)} ${host}), a larger hashistack:clientMachineType, or fewer replicas`,
  };
}

/**
 * The servers' machine type: no shared core (`SERVER_SHARED_CORE_ALLOWED`), at least
 * `SERVER_MIN`. The allowed text when refused.
 */
export function serverSize(machine: MachineShape): string | undefined {
  if (isSharedCore(machine.name))
    return `${SERVER_SHARED_CORE_ALLOWED}; ${machine.name} is shared-core`;
  if (machine.vcpus >= SERVER_MIN.vcpus && machine.memoryMb >= SERVER_MIN.memoryMb)
    return undefined;
  return `a machine type with at least ${SERVER_MIN.vcpus} vCPUs and ${SERVER_MIN.memoryMb} MB for a Consul and a Nomad server: ${machine.name} has ${machine.vcpus} vCPUs and ${machine.memoryMb} MB`;
}
