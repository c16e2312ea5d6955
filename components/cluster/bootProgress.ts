/**
 * Boot progress of the datacenter's VMs while the readiness gate waits: the instances of
 * each managed instance group and the boot report each VM writes as guest attributes
 * (contract in bootReport.ts). A VM that reports `failed` ends the wait at once, quoting its
 * step and message; on timeout the gate shows where each VM is. Without credentials, or
 * when the API refuses, the gate waits as before and says why progress is unavailable.
 */
import { BOOT_REPORT_KEYS, BOOT_REPORT_NAMESPACE, BootStatus } from "./bootReport";
import { ComputeClient, GuestAttribute, ManagedInstance, computeClient } from "../gcp/computeApi";
import { AuthEnvironment, findCredentials } from "../gcp/gcpAuth";
import { errorText } from "../gcp/googleHttp";

/** Which VMs to follow. Plain values: this travels in the gate's inputs (no credential). */
export interface BootReportTarget {
  project: string;
  region: string;
  /** Names of the managed instance groups (servers, clients). */
  groups: string[];
}

/**
 * Seconds between reads. The guest-attributes guide describes the best use cases as "limited
 * to a maximum of 10 queries per minute per VM instance" with bursts of at most 3 per second,
 * beyond which "Compute Engine might arbitrarily remove guest attributes that are in the
 * process of being written" (cloud.google.com/compute/docs/metadata/manage-guest-attributes).
 * One read per VM every 15 s is 4 a minute, leaving room for the VM's own writes; with the
 * gate's check round (readiness.ts READINESS_POLL_SECONDS, 5 s) a reported failure ends the
 * wait within about 20 s (tested with a fake clock in readinessBoot.test.ts).
 */
export const BOOT_POLL_SECONDS = 15;

/** One VM's latest known state. */
export interface VmBoot {
  group: string;
  name: string;
  zone: string;
  instanceStatus?: string;
  currentAction?: string;
  status?: BootStatus;
  step?: string;
  error?: string;
  /** Why this VM's report could not be read. */
  readError?: string;
}

/** Where the reader's dependencies come from; tests point them at local fakes. */
export interface BootWatchOptions {
  auth?: AuthEnvironment;
  computeBaseUrl?: string;
  pollSeconds?: number;
  /** Milliseconds since the epoch (default `Date.now`); tests pass a fake clock. */
  now?: () => number;
}

/** The report keys of one VM, from its guest attributes. */
export function parseBootReport(
  items: GuestAttribute[],
): Pick<VmBoot, "status" | "step" | "error"> {
  const get = (key: string) =>
    items.find((a) => a.namespace === BOOT_REPORT_NAMESPACE && a.key === key)?.value;
  const status = get(BOOT_REPORT_KEYS.status);
  const step = get(BOOT_REPORT_KEYS.step);
  const error = get(BOOT_REPORT_KEYS.error);
  return {
    ...(status === "running" || status === "ready" || status === "failed" ? { status } : {}),
    ...(step ? { step } : {}),
    ...(error ? { error } : {}),
  };
}

/** One line per VM, for the gate's messages. */
export function describeVm(v: VmBoot): string {
  const where = `${v.name} (${v.zone})`;
  if (v.status === "failed")
    return `${where}: failed at step ${v.step ?? "?"}: ${v.error ?? "(no message)"}`;
  if (v.status === "ready") return `${where}: boot script finished`;
  if (v.status === "running") return `${where}: step ${v.step ?? "?"}, running`;
  const action = v.currentAction && v.currentAction !== "NONE" ? v.currentAction : undefined;
  // `instanceStatus` is empty while the instance does not exist; its URL (and so its name) can
  // exist before it does (ManagedInstance, compute v1 reference).
  if (!v.instanceStatus) {
    const doing = action ? ` (${action})` : "";
    return v.name
      ? `${where}: instance not created yet${doing}`
      : `${v.group}: an instance not created yet${doing}`;
  }
  const state = ` (instance ${[v.instanceStatus, action].filter((x) => x).join(", ")})`;
  const why = v.readError ? `report unreadable: ${v.readError}` : "no boot report yet";
  return `${where}: ${why}${state}`;
}

/** The error that ends the wait when a VM reports a failed boot. */
export function bootFailureMessage(v: VmBoot, project: string, all: VmBoot[]): string {
  return [
    `boot failed on ${v.name} (${v.zone}, group ${v.group}) at step ${v.step ?? "?"}: ${v.error ?? "(no message)"}`,
    `  serial console: gcloud compute instances get-serial-port-output ${v.name} --zone ${v.zone} --project ${project}`,
    "Boot progress:",
    ...all.map((x) => `  - ${describeVm(x)}`),
  ].join("\n");
}

/** Follows the VMs' boot reports; `refresh` never throws (problems become the note). */
export interface BootWatch {
  refresh(): Promise<void>;
  /** When a VM reports `failed`: the message that ends the wait (step, error, every VM). */
  failure(): string | undefined;
  /** The progress section of a timeout message. */
  describe(): string;
}

async function readGroup(
  client: ComputeClient,
  group: string,
  previous: VmBoot[],
): Promise<VmBoot[]> {
  const instances: ManagedInstance[] = await client.listManagedInstances(group);
  return Promise.all(
    instances.map(async (m): Promise<VmBoot> => {
      // Not created yet (no status): nothing to read, and no query spent on it.
      if (!m.name || !m.zone || !m.instanceStatus)
        return { group, ...m, name: m.name ?? "", zone: m.zone ?? "" };
      const base = { group, name: m.name, zone: m.zone, ...m } as VmBoot;
      try {
        return {
          ...base,
          ...parseBootReport(await client.guestAttributes(m.zone, m.name, BOOT_REPORT_NAMESPACE)),
        };
      } catch (e) {
        // Keep what was known; say why it is stale.
        const before = previous.find((p) => p.name === m.name);
        return { ...before, ...base, readError: errorText(e) };
      }
    }),
  );
}

/** A watch over the target's VMs, or one that only explains why there is none. */
export function openBootWatch(target: BootReportTarget, opts: BootWatchOptions = {}): BootWatch {
  const found = findCredentials(opts.auth);
  const interval = (opts.pollSeconds ?? BOOT_POLL_SECONDS) * 1000;
  const now = opts.now ?? Date.now;
  let vms: VmBoot[] = [];
  let note = found.source ? "" : found.reason;
  let next = 0;
  const client = found.source
    ? computeClient({
        project: target.project,
        region: target.region,
        tokens: found.source,
        ...(opts.computeBaseUrl ? { baseUrl: opts.computeBaseUrl } : {}),
      })
    : undefined;
  return {
    async refresh() {
      if (!client || now() < next) return;
      next = now() + interval;
      try {
        const groups = await Promise.all(target.groups.map((g) => readGroup(client, g, vms)));
        vms = groups.flat();
        note = "";
      } catch (e) {
        note = errorText(e);
      }
    },
    failure() {
      const failed = vms.find((v) => v.status === "failed");
      return failed ? bootFailureMessage(failed, target.project, vms) : undefined;
    },
    describe() {
      if (!client || (vms.length === 0 && note)) return `Boot progress unavailable: ${note}`;
      const lines = vms.map((v) => `  - ${describeVm(v)}`);
      const head = `Boot progress (guest attributes ${BOOT_REPORT_NAMESPACE}/*, groups ${target.groups.join(", ")}):`;
      return [
        head,
        ...(lines.length > 0 ? lines : ["  (no instances listed yet)"]),
        ...(note ? [`  last read failed: ${note}`] : []),
      ].join("\n");
    },
  };
}
