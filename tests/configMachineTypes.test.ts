import {
  MachineShape,
  isSharedCore,
  machineShape,
  predefinedMachineTypes,
} from "../components/config/machineTypes";

/**
 * What the Compute API lists for a zone (machineTypes.list: name, guestCpus, memoryMb),
 * for the series this program supports, as captured in GoogleCloudPlatform/deploystack
 * tui/mock.go. The table must accept exactly these, with these sizes.
 */
const API = `
c2-standard-4 4 16384, c2-standard-8 8 32768, c2-standard-16 16 65536, c2-standard-30 30 122880, c2-standard-60 60 245760,
c2d-highcpu-2 2 4096, c2d-highcpu-4 4 8192, c2d-highcpu-8 8 16384, c2d-highcpu-16 16 32768, c2d-highcpu-32 32 65536, c2d-highcpu-56 56 114688, c2d-highcpu-112 112 229376,
c2d-highmem-2 2 16384, c2d-highmem-4 4 32768, c2d-highmem-8 8 65536, c2d-highmem-16 16 131072, c2d-highmem-32 32 262144, c2d-highmem-56 56 458752, c2d-highmem-112 112 917504,
c2d-standard-2 2 8192, c2d-standard-4 4 16384, c2d-standard-8 8 32768, c2d-standard-16 16 65536, c2d-standard-32 32 131072, c2d-standard-56 56 229376, c2d-standard-112 112 458752,
e2-highcpu-2 2 2048, e2-highcpu-4 4 4096, e2-highcpu-8 8 8192, e2-highcpu-16 16 16384, e2-highcpu-32 32 32768,
e2-highmem-2 2 16384, e2-highmem-4 4 32768, e2-highmem-8 8 65536, e2-highmem-16 16 131072,
e2-micro 2 1024, e2-small 2 2048, e2-medium 2 4096,
e2-standard-2 2 8192, e2-standard-4 4 16384, e2-standard-8 8 32768, e2-standard-16 16 65536, e2-standard-32 32 131072,
n1-highcpu-2 2 1843, n1-highcpu-4 4 3686, n1-highcpu-8 8 7373, n1-highcpu-16 16 14746, n1-highcpu-32 32 29491, n1-highcpu-64 64 58982, n1-highcpu-96 96 88474,
n1-highmem-2 2 13312, n1-highmem-4 4 26624, n1-highmem-8 8 53248, n1-highmem-16 16 106496, n1-highmem-32 32 212992, n1-highmem-64 64 425984, n1-highmem-96 96 638976,
n1-standard-1 1 3840, n1-standard-2 2 7680, n1-standard-4 4 15360, n1-standard-8 8 30720, n1-standard-16 16 61440, n1-standard-32 32 122880, n1-standard-64 64 245760, n1-standard-96 96 368640,
n2-highcpu-2 2 2048, n2-highcpu-4 4 4096, n2-highcpu-8 8 8192, n2-highcpu-16 16 16384, n2-highcpu-32 32 32768, n2-highcpu-48 48 49152, n2-highcpu-64 64 65536, n2-highcpu-80 80 81920, n2-highcpu-96 96 98304,
n2-highmem-2 2 16384, n2-highmem-4 4 32768, n2-highmem-8 8 65536, n2-highmem-16 16 131072, n2-highmem-32 32 262144, n2-highmem-48 48 393216, n2-highmem-64 64 524288, n2-highmem-80 80 655360, n2-highmem-96 96 786432, n2-highmem-128 128 884736,
n2-standard-2 2 8192, n2-standard-4 4 16384, n2-standard-8 8 32768, n2-standard-16 16 65536, n2-standard-32 32 131072, n2-standard-48 48 196608, n2-standard-64 64 262144, n2-standard-80 80 327680, n2-standard-96 96 393216, n2-standard-128 128 524288,
n2d-highcpu-2 2 2048, n2d-highcpu-4 4 4096, n2d-highcpu-8 8 8192, n2d-highcpu-16 16 16384, n2d-highcpu-32 32 32768, n2d-highcpu-48 48 49152, n2d-highcpu-64 64 65536, n2d-highcpu-80 80 81920, n2d-highcpu-96 96 98304, n2d-highcpu-128 128 131072, n2d-highcpu-224 224 229376,
n2d-highmem-2 2 16384, n2d-highmem-4 4 32768, n2d-highmem-8 8 65536, n2d-highmem-16 16 131072, n2d-highmem-32 32 262144, n2d-highmem-48 48 393216, n2d-highmem-64 64 524288, n2d-highmem-80 80 655360, n2d-highmem-96 96 786432,
n2d-standard-2 2 8192, n2d-standard-4 4 16384, n2d-standard-8 8 32768, n2d-standard-16 16 65536, n2d-standard-32 32 131072, n2d-standard-48 48 196608, n2d-standard-64 64 262144, n2d-standard-80 80 327680, n2d-standard-96 96 393216, n2d-standard-128 128 524288, n2d-standard-224 224 917504,
t2d-standard-1 1 4096, t2d-standard-2 2 8192, t2d-standard-4 4 16384, t2d-standard-8 8 32768, t2d-standard-16 16 65536, t2d-standard-32 32 131072, t2d-standard-48 48 196608, t2d-standard-60 60 245760`
  .split(",")
  .map((e) => e.trim().split(" "))
  .map(([name, vcpus, mb]) => ({
    name: name as string,
    vcpus: Number(vcpus),
    memoryMb: Number(mb),
  }));

/**
 * C3 and C3D as cloud.google.com/compute/docs/general-purpose-machines lists them (vCPUs,
 * memory in GB; the API counts 1024 MB per GB). Not in the API capture above. The
 * 192-vCPU C3 types are bare metal and the -lssd types carry Local SSD: both refused.
 */
const DOCS_GB = `
c3-standard-4 4 16, c3-standard-8 8 32, c3-standard-22 22 88, c3-standard-44 44 176, c3-standard-88 88 352, c3-standard-176 176 704,
c3-highcpu-4 4 8, c3-highcpu-8 8 16, c3-highcpu-22 22 44, c3-highcpu-44 44 88, c3-highcpu-88 88 176, c3-highcpu-176 176 352,
c3-highmem-4 4 32, c3-highmem-8 8 64, c3-highmem-22 22 176, c3-highmem-44 44 352, c3-highmem-88 88 704, c3-highmem-176 176 1408,
c3d-standard-4 4 16, c3d-standard-8 8 32, c3d-standard-16 16 64, c3d-standard-30 30 120, c3d-standard-60 60 240, c3d-standard-90 90 360, c3d-standard-180 180 720, c3d-standard-360 360 1440,
c3d-highcpu-4 4 8, c3d-highcpu-8 8 16, c3d-highcpu-16 16 32, c3d-highcpu-30 30 59, c3d-highcpu-60 60 118, c3d-highcpu-90 90 177, c3d-highcpu-180 180 354, c3d-highcpu-360 360 708,
c3d-highmem-4 4 32, c3d-highmem-8 8 64, c3d-highmem-16 16 128, c3d-highmem-30 30 240, c3d-highmem-60 60 480, c3d-highmem-90 90 720, c3d-highmem-180 180 1440, c3d-highmem-360 360 2880`
  .split(",")
  .map((e) => e.trim().split(" "))
  .map(([name, vcpus, gb]): MachineShape => ({
    name: name as string,
    vcpus: Number(vcpus),
    memoryMb: Number(gb) * 1024,
  }));

describe("GCE machine types", () => {
  test("the predefined table is exactly the API's list and the docs' C3 and C3D tables", () => {
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(predefinedMachineTypes().sort(byName)).toEqual([...API, ...DOCS_GB].sort(byName));
  });

  test.each<[string, string]>([
    ["n4-standard-4", "N4 takes Hyperdisk only; this program's disks are pd-balanced"],
    ["n4d-standard-4", "N4D takes Hyperdisk only; this program's disks are pd-balanced"],
    ["c4-standard-8", "C4 takes Hyperdisk only; this program's disks are pd-balanced"],
    ["c4d-standard-8", "C4D takes Hyperdisk only; this program's disks are pd-balanced"],
    ["t2a-standard-4", "T2A is Arm; the image is x86-64 (Debian 12 amd64)"],
    ["n4a-standard-4", "N4A is Arm; the image is x86-64 (Debian 12 amd64)"],
    [
      "c4a-standard-4-lssd",
      "C4A is Arm; the image is x86-64 (Debian 12 amd64), and takes Hyperdisk only",
    ],
    [
      "c3d-highmem-8-lssd",
      "the -lssd variants attach Local SSD this program never uses (and bill it); take c3d-highmem-8",
    ],
    [
      "c3-highcpu-192-metal",
      "bare-metal types take Hyperdisk only and no Shielded VM; this program's disks are pd-balanced and its VMs shielded",
    ],
    ["c3-standard-2", "c3-standard comes with 4, 8, 22, 44, 88 or 176 vCPUs"],
    ["c3d-standard-22", "c3d-standard comes with 4, 8, 16, 30, 60, 90, 180 or 360 vCPUs"],
    ["c3-custom-4-16384", "C3 comes in predefined types only (no custom types)"],
    ["n1-megamem-96", "n1 comes as standard, highmem or highcpu"],
    [
      "f1-micro",
      "F1 is first-generation shared-core (0.6 GB): too small for the agents; take e2-medium or larger",
    ],
    [
      "m3-ultramem-32",
      "M3 is memory-optimized (hundreds of GB per VM and more): not what Consul and Nomad agents need; take a general-purpose series",
    ],
    ["a2-highgpu-1g", "A2 is accelerator-optimized (GPUs); this program runs no GPU workloads"],
    [
      "z3-highmem-8-highlssd",
      "Z3 is storage-optimized (Titanium SSD attached, never used here); take a general-purpose series",
    ],
  ])("refuses %s, saying why", (name, reason) => {
    expect(machineShape(name)).toEqual({ reason });
  });

  test.each(["constructor", "toString", "__proto__", "hasOwnProperty-standard-4"])(
    "refuses %s, a name only Object.prototype knows",
    (name) => {
      expect(machineShape(name)).toEqual({ reason: "" });
      expect(isSharedCore(name)).toBe(false);
    },
  );

  test("shared-core types are known as such, predefined and custom", () => {
    for (const n of ["e2-micro", "e2-small", "e2-medium", "e2-custom-medium-6144"])
      expect(isSharedCore(n)).toBe(true);
    for (const n of ["e2-standard-2", "e2-custom-2-4096", "n1-standard-1", "c3-highcpu-4"])
      expect(isSharedCore(n)).toBe(false);
  });

  test.each([
    // Listed by the API but not supported here: Arm (the image is x86-64), legacy shared
    // core, memory-optimized, GPU and Hyperdisk-only series.
    "t2a-standard-4",
    "f1-micro",
    "g1-small",
    "m1-ultramem-40",
    "n1-megamem-96",
    "a2-highgpu-1g",
    "n4-standard-4",
    "c4-standard-8",
    // Not names at all.
    "e2-standard",
    "E2-standard-4",
    "e2-standard-04",
    "e2-standard-4 ",
    "standard-4",
  ])("refuses %s", (name) => {
    expect(machineShape(name)).toHaveProperty("reason");
  });

  test.each<[string, number, number]>([
    ["e2-custom-2-1024", 2, 1024],
    ["e2-custom-32-262144", 32, 262144],
    ["e2-custom-micro-1280", 2, 1280],
    ["e2-custom-medium-8192", 2, 8192],
    ["n2-custom-36-73728", 36, 73728],
    ["n2-custom-2-16640-ext", 2, 16640],
    ["n2d-custom-48-98304", 48, 98304],
    ["custom-1-1024", 1, 1024],
    ["custom-96-638976", 96, 638976],
    ["custom-2-15360-ext", 2, 15360],
  ])("accepts the custom type %s (%i vCPUs, %i MB)", (name, vcpus, memoryMb) => {
    expect(machineShape(name)).toEqual({ name, vcpus, memoryMb });
  });

  test.each([
    ["e2-custom-2-768", "less than 512 MB per vCPU"],
    ["e2-custom-3-3072", "odd vCPUs"],
    ["e2-custom-34-34816", "more than 32 vCPUs"],
    ["e2-custom-4-4000", "not a multiple of 256 MB"],
    ["e2-custom-2-16640", "more than 8 GB per vCPU, and E2 has no extended memory"],
    ["e2-custom-4-8192-ext", "extended memory on E2"],
    ["e2-custom-micro-2304", "more than a micro takes"],
    ["n2-custom-34-34816", "34 vCPUs (above 32, only multiples of 4)"],
    ["n2-custom-2-16640", "more than 8 GB per vCPU without -ext"],
    ["n2d-custom-6-6144", "6 vCPUs (N2D takes 2, 4, 8, 16, ...)"],
    ["custom-1-768", "less than 922 MB per vCPU"],
    ["custom-3-3072", "odd vCPUs above 1"],
    ["custom-2-655360-ext", "above 624 GB even with -ext"],
    ["n2-custom-02-2048", "a leading zero"],
  ])("refuses the custom type %s (%s)", (name) => {
    expect(machineShape(name)).toHaveProperty("reason");
  });
});
