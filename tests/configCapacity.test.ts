import { parse } from "@cdktf/hcl2json";
import * as fs from "fs";
import * as path from "path";
import { MIN_READINESS_TIMEOUT_MINUTES } from "../components/config/boot";
import {
  CLIENT_BOOT_DISK_GB,
  GroupResources,
  JOBS,
  NOMAD_DEFAULT_EPHEMERAL_DISK_MB,
  SERVER_SHARED_CORE_ALLOWED,
  clientCapacity,
  groupDemand,
  serverSize,
} from "../components/config/capacity";
import { MachineShape } from "../components/config/machineTypes";
import { AUTOHEAL_INITIAL_DELAY_SEC } from "../components/gcp/nodeGroup";
import { readJobspec } from "../components/mesh/jobspecs";
import { runProgram } from "./harness/program";

type Block = Record<string, unknown>;
/** hcl2json renders every block as a list; take the single instance. */
const one = (v: unknown): Block => {
  if (!Array.isArray(v) || v.length !== 1)
    throw new Error(`expected one block: ${JSON.stringify(v)}`);
  return v[0] as Block;
};
const opt = (v: unknown): Block | undefined => (v === undefined ? undefined : one(v));

/**
 * A jobspec's groups in the table's form, read with Nomad's defaults: `count` 1, network
 * mode host, task resources 100 MHz / 300 MB, no ephemeral_disk override.
 */
async function fromJobspec(file: string): Promise<{ job: string; groups: Block[] }> {
  const doc = (await parse(file, readJobspec(file))) as { job: Record<string, unknown> };
  const [job, body] = Object.entries(doc.job)[0] as [string, unknown];
  const groups = Object.entries(one(body).group as Record<string, unknown>).map(([name, g]) => {
    const grp = one(g);
    const count = grp.count ?? 1;
    const connect = (grp.service as Block[] | undefined)
      ?.map((s) => opt(s.connect))
      .find((c) => c !== undefined);
    const envoy = connect?.sidecar_service ? "sidecar" : connect?.gateway ? "gateway" : undefined;
    const sidecarRes = opt(opt(connect?.sidecar_task)?.resources);
    const disk = opt(grp.ephemeral_disk)?.size;
    const tasks = Object.entries((grp.task as Record<string, unknown>) ?? {}).map(([t, body]) => {
      const task = one(body);
      const res = opt(task.resources) ?? {};
      const lc = opt(task.lifecycle);
      if (lc && lc.hook !== "prestart")
        throw new Error(`${t}: lifecycle ${String(lc.hook)} is not modelled`);
      return {
        task: t,
        cpuMhz: res.cpu ?? 100,
        memoryMb: res.memory ?? 300,
        ...(lc ? { prestart: { sidecar: lc.sidecar ?? false } } : {}),
      };
    });
    return {
      group: name,
      count: count === 1 ? 1 : { variable: /^\$\{var\.(.+)\}$/.exec(count as string)?.[1] },
      network: opt(grp.network)?.mode ?? "host",
      ...(envoy ? { envoy } : {}),
      ...(sidecarRes
        ? { envoyResources: { cpuMhz: sidecarRes.cpu, memoryMb: sidecarRes.memory } }
        : {}),
      tasks: tasks.sort((a, b) => a.task.localeCompare(b.task)),
      ...(disk !== undefined ? { ephemeralDiskMb: disk } : {}),
    };
  });
  return { job, groups };
}

/** The table's group without what the jobspec cannot say (which replica key feeds a count). */
const comparable = (g: GroupResources): Block => ({
  ...g,
  count: g.count === 1 ? 1 : { variable: g.count.variable },
  tasks: [...g.tasks].sort((a, b) => a.task.localeCompare(b.task)),
});

describe("the capacity table matches the jobspecs", () => {
  test("every jobspec in jobspecs/ is in the table", () => {
    const files = fs
      .readdirSync(path.join(__dirname, "..", "jobspecs"))
      .filter((f) => f.endsWith(".nomad.hcl"));
    expect(JOBS.map((j) => j.file).sort()).toEqual(files.sort());
  });

  test.each(JOBS.map((j) => [j.file, j] as const))(
    "%s: groups, counts, tasks and resources",
    async (file, job) => {
      const spec = await fromJobspec(file);
      expect(spec.job).toBe(job.job);
      const byName = (a: Block, b: Block) => String(a.group).localeCompare(String(b.group));
      expect(spec.groups.sort(byName)).toEqual(job.groups.map(comparable).sort(byName));
    },
  );

  test("each count variable carries the replica count the table names", async () => {
    const replicas = { publicApiReplicas: 3, privateApiReplicas: 1, frontendReplicas: 2 };
    const run = await runProgram({
      stack: "dc1",
      config: Object.fromEntries(Object.entries(replicas).map(([k, v]) => [`hashistack:${k}`, v])),
    });
    expect(run.error).toBeUndefined();
    const jobs = run.graph.all("pulumi-nodejs:dynamic/hashistack:NomadJob");
    for (const job of JOBS) {
      const recorded = jobs.find((r) => String(r.inputs.jobspec) === readJobspec(job.file));
      expect(recorded).toBeDefined();
      const variables = recorded?.inputs.variables as Record<string, string>;
      for (const g of job.groups) {
        if (g.count === 1) continue;
        expect([g.group, variables[g.count.variable]]).toEqual([
          g.group,
          String(replicas[`${g.count.replicas}Replicas`]),
        ]);
      }
    }
  });
});

describe("demand and fit", () => {
  const group = (job: string, name: string) =>
    JOBS.find((j) => j.job === job)?.groups.find((g) => g.group === name) as GroupResources;

  test("a group needs the larger of its main and prestart phases, plus Nomad's Envoy", () => {
    // api-gateway: prestart setup 100/64 runs before api 200/128, never beside it.
    expect(groupDemand(group("api-gateway", "gateway"))).toEqual({
      cpuMhz: 200,
      memoryMb: 128,
      diskMb: 300,
    });
    // A backend: its task plus the Envoy sidecar (250/128) for the whole allocation.
    expect(groupDemand(group("demo-backends", "public-api"))).toEqual({
      cpuMhz: 350,
      memoryMb: 192,
      diskMb: 300,
    });
    // The mesh gateway: only the injected gateway Envoy.
    expect(groupDemand(group("mesh-gateway", "mesh-gateway"))).toEqual({
      cpuMhz: 250,
      memoryMb: 128,
      diskMb: NOMAD_DEFAULT_EPHEMERAL_DISK_MB,
    });
  });

  test("one backend more than the client holds asks for another client", () => {
    // n2-custom-2-4096 offers 3500 MHz and 3072 MB. Without a frontend (so no API gateway)
    // the mesh gateway (250 MHz) and 9 backends (350 MHz each) take 3400 MHz; a 10th does
    // not fit.
    const m: MachineShape = { name: "n2-custom-2-4096", vcpus: 2, memoryMb: 4096 };
    expect(clientCapacity(m, 1, { publicApi: 5, privateApi: 4, frontend: 0 })).toBeUndefined();
    expect(clientCapacity(m, 1, { publicApi: 5, privateApi: 5, frontend: 0 })).toMatchObject({
      key: "clientCount",
      allowed: expect.stringContaining("at least 2 clients of n2-custom-2-4096") as unknown,
    });
    expect(clientCapacity(m, 2, { publicApi: 5, privateApi: 5, frontend: 0 })).toBeUndefined();
  });

  test("the shipped stacks' defaults fit with room to spare", () => {
    const m: MachineShape = { name: "e2-standard-4", vcpus: 4, memoryMb: 16384 };
    expect(clientCapacity(m, 2, { publicApi: 2, privateApi: 2, frontend: 1 })).toBeUndefined();
    expect(clientCapacity(m, 1, { publicApi: 1, privateApi: 1, frontend: 0 })).toBeUndefined();
  });
});

describe("servers", () => {
  test("no shared core, however much memory; dedicated vCPUs from 2 vCPUs and 4 GB", () => {
    expect(serverSize({ name: "e2-medium", vcpus: 2, memoryMb: 4096 })).toBe(
      `${SERVER_SHARED_CORE_ALLOWED}; e2-medium is shared-core`,
    );
    expect(serverSize({ name: "e2-custom-medium-8192", vcpus: 2, memoryMb: 8192 })).toBe(
      `${SERVER_SHARED_CORE_ALLOWED}; e2-custom-medium-8192 is shared-core`,
    );
    expect(serverSize({ name: "e2-standard-2", vcpus: 2, memoryMb: 8192 })).toBeUndefined();
    expect(serverSize({ name: "n2-custom-2-4096", vcpus: 2, memoryMb: 4096 })).toBeUndefined();
    expect(serverSize({ name: "e2-highcpu-2", vcpus: 2, memoryMb: 2048 })).toBe(
      "a machine type with at least 2 vCPUs and 4096 MB for a Consul and a Nomad server: e2-highcpu-2 has 2 vCPUs and 2048 MB",
    );
  });
});

describe("figures shared with the node groups", () => {
  test("the client boot disk is the one the client template creates", async () => {
    const run = await runProgram({ stack: "dc1" });
    expect(run.error).toBeUndefined();
    const disks = run.graph.get("dc1-clients-template").inputs.disks as Block[];
    expect(disks.find((d) => d.boot === true)?.diskSizeGb).toBe(CLIENT_BOOT_DISK_GB);
  });

  test("the readiness floor is autohealing's first-boot allowance", () => {
    expect(MIN_READINESS_TIMEOUT_MINUTES * 60).toBe(AUTOHEAL_INITIAL_DELAY_SEC);
  });
});
