import { machineShape, predefinedMachineTypes } from "../components/configMachineTypes";

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

describe("GCE machine types", () => {
  test("the predefined table is exactly the API's list for the supported series", () => {
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(predefinedMachineTypes().sort(byName)).toEqual([...API].sort(byName));
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
