/**
 * The GCE machine types this program accepts, with their vCPUs and memory, for the naming
 * check and the capacity check. Supported: the x86-64 series whose VMs take the node
 * groups' pd-balanced disks and Debian 12 image, in their predefined and custom forms.
 * Series GCE offers but this program cannot use get their reason in the message.
 *
 * Predefined shapes and sizes as the Compute API lists them (machineTypes.list of a zone,
 * e.g. GoogleCloudPlatform/deploystack tui/mock.go; cloud.google.com/compute/docs/general-purpose-machines,
 * .../compute-optimized-machines). Custom-type rules as Google's own helper for
 * cloud.google.com/compute/docs/instances/creating-instance-with-custom-machine-type states them.
 *
 * C3 and C3D take pd-balanced ("Supported disk types for C3/C3D" on the general-purpose
 * page; Google's image tests boot C3 and C3D on pd-balanced: GoogleCloudPlatform/guest-test-infra
 * imagetest/test_suites/shapevalidation) and attach it over NVMe, where the image's udev
 * rules (GoogleCloudPlatform/guest-configs 65-gce-disk-naming.rules, google_nvme_id) still
 * give the data disk its /dev/disk/by-id/google-data name. They need gVNIC, which GCE picks
 * when the template names no nicType and the image supports it (Debian 12 does).
 * N4, N4D, C4 and C4D take Hyperdisk only ("... doesn't support Persistent Disk").
 */

import { orList } from "./problem";

/** A machine type's size as Nomad and this program see it. */
export interface MachineShape {
  name: string;
  vcpus: number;
  memoryMb: number;
}

/** One predefined family: `<series>-<shape>-<vcpus>`, memory a fixed amount per vCPU. */
interface PredefinedFamily {
  series: string;
  shape: "standard" | "highmem" | "highcpu";
  vcpus: readonly number[];
  mbPerVcpu: number;
}

const N2_SIZES = [2, 4, 8, 16, 32, 48, 64, 80, 96];
const C2D_SIZES = [2, 4, 8, 16, 32, 56, 112];
/** C3 VM sizes (the 192-vCPU types are bare metal, refused below). */
const C3_SIZES = [4, 8, 22, 44, 88, 176];
const C3D_SIZES = [4, 8, 16, 30, 60, 90, 180, 360];

/** Predefined families (memory per vCPU: the API's MemoryMb / GuestCpus). */
export const PREDEFINED: readonly PredefinedFamily[] = [
  { series: "e2", shape: "standard", vcpus: [2, 4, 8, 16, 32], mbPerVcpu: 4096 },
  { series: "e2", shape: "highmem", vcpus: [2, 4, 8, 16], mbPerVcpu: 8192 },
  { series: "e2", shape: "highcpu", vcpus: [2, 4, 8, 16, 32], mbPerVcpu: 1024 },
  { series: "n1", shape: "standard", vcpus: [1, 2, 4, 8, 16, 32, 64, 96], mbPerVcpu: 3840 },
  { series: "n1", shape: "highmem", vcpus: [2, 4, 8, 16, 32, 64, 96], mbPerVcpu: 6656 },
  { series: "n1", shape: "highcpu", vcpus: [2, 4, 8, 16, 32, 64, 96], mbPerVcpu: 921.6 },
  { series: "n2", shape: "standard", vcpus: [...N2_SIZES, 128], mbPerVcpu: 4096 },
  { series: "n2", shape: "highmem", vcpus: [...N2_SIZES, 128], mbPerVcpu: 8192 },
  { series: "n2", shape: "highcpu", vcpus: N2_SIZES, mbPerVcpu: 1024 },
  { series: "n2d", shape: "standard", vcpus: [...N2_SIZES, 128, 224], mbPerVcpu: 4096 },
  { series: "n2d", shape: "highmem", vcpus: N2_SIZES, mbPerVcpu: 8192 },
  { series: "n2d", shape: "highcpu", vcpus: [...N2_SIZES, 128, 224], mbPerVcpu: 1024 },
  { series: "t2d", shape: "standard", vcpus: [1, 2, 4, 8, 16, 32, 48, 60], mbPerVcpu: 4096 },
  { series: "c2", shape: "standard", vcpus: [4, 8, 16, 30, 60], mbPerVcpu: 4096 },
  { series: "c2d", shape: "standard", vcpus: C2D_SIZES, mbPerVcpu: 4096 },
  { series: "c2d", shape: "highmem", vcpus: C2D_SIZES, mbPerVcpu: 8192 },
  { series: "c2d", shape: "highcpu", vcpus: C2D_SIZES, mbPerVcpu: 2048 },
  { series: "c3", shape: "standard", vcpus: C3_SIZES, mbPerVcpu: 4096 },
  { series: "c3", shape: "highmem", vcpus: C3_SIZES, mbPerVcpu: 8192 },
  { series: "c3", shape: "highcpu", vcpus: C3_SIZES, mbPerVcpu: 2048 },
  { series: "c3d", shape: "standard", vcpus: C3D_SIZES, mbPerVcpu: 4096 },
  { series: "c3d", shape: "highmem", vcpus: C3D_SIZES, mbPerVcpu: 8192 },
  { series: "c3d", shape: "highcpu", vcpus: C3D_SIZES, mbPerVcpu: 2048 },
];

/**
 * Where the memory is not vCPUs times the family's ratio: the API's figure for n2-highmem-128;
 * the documented GB (times 1024) for the larger c3d-highcpu types (59, 118, 177, 354, 708 GB).
 */
const MEMORY_EXCEPTIONS: Readonly<Record<string, number>> = {
  "n2-highmem-128": 884_736,
  "c3d-highcpu-30": 59 * 1024,
  "c3d-highcpu-60": 118 * 1024,
  "c3d-highcpu-90": 177 * 1024,
  "c3d-highcpu-180": 354 * 1024,
  "c3d-highcpu-360": 708 * 1024,
};

/**
 * E2 shared-core types: 2 vCPUs exposed, sustaining together 0.25, 0.5 or 1 of a core and
 * bursting above it only briefly (general-purpose page, "E2 shared-core machine types").
 */
export const SHARED_CORE: Readonly<Record<string, number>> = {
  "e2-micro": 1024,
  "e2-small": 2048,
  "e2-medium": 4096,
};

/** Custom types of one series: `<prefix><vcpus>-<memoryMb>[-ext]`. */
interface CustomSeries {
  series: string;
  prefix: string;
  vcpus: (n: number) => boolean;
  vcpusText: string;
  minMbPerVcpu: number;
  maxMbPerVcpu: number;
  /** Total memory allowed with `-ext` (extended memory); absent: no extended memory. */
  extMaxMb?: number;
}

const even = (lo: number, hi: number) => (n: number) => n >= lo && n <= hi && n % 2 === 0;

/** Custom-type rules per series (vCPU counts, memory per vCPU, extended memory). */
export const CUSTOM: readonly CustomSeries[] = [
  {
    series: "E2",
    prefix: "e2-custom-",
    vcpus: even(2, 32),
    vcpusText: "2 to 32 (even)",
    minMbPerVcpu: 512,
    maxMbPerVcpu: 8192,
  },
  {
    series: "N2",
    prefix: "n2-custom-",
    vcpus: (n) => even(2, 32)(n) || (n >= 36 && n <= 128 && n % 4 === 0),
    vcpusText: "2 to 32 (even) or 36 to 128 (multiples of 4)",
    minMbPerVcpu: 512,
    maxMbPerVcpu: 8192,
    extMaxMb: 624 * 1024,
  },
  {
    series: "N2D",
    prefix: "n2d-custom-",
    vcpus: (n) => [2, 4, 8, 16, 32, 48, 64, 80, 96].includes(n),
    vcpusText: "2, 4, 8, 16, 32, 48, 64, 80 or 96",
    minMbPerVcpu: 512,
    maxMbPerVcpu: 8192,
    extMaxMb: 768 * 1024,
  },
  {
    series: "N1",
    prefix: "custom-",
    vcpus: (n) => n === 1 || even(2, 96)(n),
    vcpusText: "1 or 2 to 96 (even)",
    minMbPerVcpu: 922,
    maxMbPerVcpu: 6656,
    extMaxMb: 624 * 1024,
  },
];

/** E2 custom shared-core types `e2-custom-<micro|small|medium>-<memoryMb>`: memory bounds. */
const CUSTOM_SHARED: Readonly<Record<string, [number, number]>> = {
  micro: [1024, 2048],
  small: [2048, 4096],
  medium: [4096, 8192],
};

/** What the machine-type keys allow (the message's fixed part). */
export const MACHINE_TYPES_ALLOWED =
  "a GCE machine type of the E2, N1, N2, N2D, T2D, C2, C2D, C3 or C3D series, predefined " +
  "(e2-standard-4, n2-highmem-8, c3-standard-4, e2-medium) or custom (e2-custom-4-8192, n2-custom-6-12288-ext, custom-2-7680)";

const HYPERDISK_ONLY = "takes Hyperdisk only; this program's disks are pd-balanced";
const ARM = "is Arm; the image is x86-64 (Debian 12 amd64)";
const MEMORY_OPTIMIZED =
  "is memory-optimized (hundreds of GB per VM and more): not what Consul and Nomad agents need; take a general-purpose series";
const ACCELERATOR = "is accelerator-optimized (GPUs); this program runs no GPU workloads";

/**
 * Series GCE offers that this program refuses, with the reason shown after the series name
 * (cloud.google.com/compute/docs/general-purpose-machines and the compute-, memory-,
 * accelerator- and storage-optimized machine pages).
 */
export const UNSUPPORTED_SERIES: Readonly<Record<string, string>> = {
  n4: HYPERDISK_ONLY,
  n4d: HYPERDISK_ONLY,
  c4: HYPERDISK_ONLY,
  c4d: HYPERDISK_ONLY,
  t2a: ARM,
  n4a: ARM,
  c4a: `${ARM}, and takes Hyperdisk only`,
  f1: "is first-generation shared-core (0.6 GB): too small for the agents; take e2-medium or larger",
  g1: "is first-generation shared-core (1.7 GB): too small for the agents; take e2-medium or larger",
  m1: MEMORY_OPTIMIZED,
  m2: MEMORY_OPTIMIZED,
  m3: MEMORY_OPTIMIZED,
  m4: MEMORY_OPTIMIZED,
  x4: MEMORY_OPTIMIZED,
  a2: ACCELERATOR,
  a3: ACCELERATOR,
  a4: ACCELERATOR,
  a4x: ACCELERATOR,
  g2: ACCELERATOR,
  g4: ACCELERATOR,
  h3: "is an HPC series this program does not size; take C3, C3D or C2D",
  h4d: "is an HPC series this program does not size; take C3, C3D or C2D",
  z3: "is storage-optimized (Titanium SSD attached, never used here); take a general-purpose series",
};

/** A table's own entry (never an Object.prototype member such as `constructor`). */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** The reason a name of a known series or variant is refused, before any size check. */
function unsupported(name: string): string | undefined {
  const series = name.split("-")[0] as string;
  const why = own(UNSUPPORTED_SERIES, series);
  if (why) return `${series.toUpperCase()} ${why}`;
  if (/-metal$/.test(name))
    return "bare-metal types take Hyperdisk only and no Shielded VM; this program's disks are pd-balanced and its VMs shielded";
  const lssd = /^(.+)-lssd$/.exec(name);
  if (lssd)
    return `the -lssd variants attach Local SSD this program never uses (and bill it); take ${lssd[1] as string}`;
  return undefined;
}

/**
 * True for the shared-core types (e2-micro, e2-small, e2-medium and their custom forms): two
 * vCPUs that share at most one physical core.
 */
export function isSharedCore(name: string): boolean {
  return own(SHARED_CORE, name) !== undefined || /^e2-custom-(micro|small|medium)-/.test(name);
}

function predefined(name: string): MachineShape | string | undefined {
  const shared = own(SHARED_CORE, name);
  if (shared !== undefined) return { name, vcpus: 2, memoryMb: shared };
  const m = /^([a-z0-9]+)-([a-z]+)-(\d+)$/.exec(name);
  const series = m && PREDEFINED.filter((f) => f.series === m[1]);
  if (!m || !series || series.length === 0) return undefined;
  const family = series.filter((f) => f.shape === m[2]);
  if (family.length === 0)
    return `${m[1] as string} comes as ${orList(series.map((f) => f.shape))}`;
  const f = family[0] as PredefinedFamily;
  const vcpus = Number(m[3]);
  if (!f.vcpus.includes(vcpus) || m[3] !== String(vcpus))
    return `${f.series}-${f.shape} comes with ${orList(f.vcpus.map(String))} vCPUs`;
  return {
    name,
    vcpus,
    memoryMb: own(MEMORY_EXCEPTIONS, name) ?? Math.round(vcpus * f.mbPerVcpu),
  };
}

function custom(name: string): MachineShape | string | undefined {
  const shared = /^e2-custom-(micro|small|medium)-(\d+)$/.exec(name);
  if (shared) {
    const [lo, hi] = CUSTOM_SHARED[shared[1] as string] as [number, number];
    const mb = Number(shared[2]);
    if (mb < lo || mb > hi || mb % 256 !== 0)
      return `e2-custom-${shared[1]} takes ${lo} to ${hi} MB in multiples of 256`;
    return { name, vcpus: 2, memoryMb: mb };
  }
  const s = CUSTOM.find((c) => name.startsWith(c.prefix));
  const other = /^([a-z0-9]+)-custom-/.exec(name)?.[1];
  if (!s && other && PREDEFINED.some((f) => f.series === other))
    return `${other.toUpperCase()} comes in predefined types only (no custom types)`;
  const m = s && /^([1-9]\d*)-([1-9]\d*)(-ext)?$/.exec(name.slice(s.prefix.length));
  if (!s || !m) return undefined;
  const vcpus = Number(m[1]);
  const mb = Number(m[2]);
  const ext = m[3] !== undefined;
  const extText = s.extMaxMb ? ` (up to ${s.extMaxMb} MB in total with -ext)` : "";
  const rule =
    `custom ${s.series} types take vCPUs ${s.vcpusText}, and memory ${s.minMbPerVcpu} to ` +
    `${s.maxMbPerVcpu} MB per vCPU in multiples of 256 MB${extText}`;
  const perVcpuOk = mb >= vcpus * s.minMbPerVcpu && mb <= vcpus * s.maxMbPerVcpu;
  const extOk = ext && s.extMaxMb !== undefined && mb >= vcpus * s.minMbPerVcpu && mb <= s.extMaxMb;
  if (!s.vcpus(vcpus) || mb % 256 !== 0 || !(ext ? extOk : perVcpuOk)) return rule;
  return { name, vcpus, memoryMb: mb };
}

/**
 * The shape of a supported machine type, or the reason it is refused (appended to
 * `MACHINE_TYPES_ALLOWED` in the message; empty when the name is simply not one we know).
 */
export function machineShape(name: string): MachineShape | { reason: string } {
  const found = unsupported(name) ?? predefined(name) ?? custom(name);
  if (found === undefined) return { reason: "" };
  return typeof found === "string" ? { reason: found } : found;
}

/** Every predefined machine type this program accepts, with its shape. */
export function predefinedMachineTypes(): MachineShape[] {
  const named = PREDEFINED.flatMap((f) => f.vcpus.map((n) => `${f.series}-${f.shape}-${n}`));
  return [...Object.keys(SHARED_CORE), ...named].map((n) => machineShape(n) as MachineShape);
}
