/**
 * How many and how big: the server and client counts and machine types, the servers' disk,
 * the demo replicas, and whether they all fit (in the subnet, on the clients). Pure checks
 * over a {@link ConfigReader}; the rules themselves live in `capacity.ts`, `machineTypes.ts`
 * and `networks.ts`.
 */
import { Cidr } from "./cidr";
import { clientCapacity, serverSize } from "./capacity";
import { DEFAULTS } from "./keys";
import { MACHINE_TYPES_ALLOWED, MachineShape, machineShape } from "./machineTypes";
import { subnetRoom } from "./networks";
import { Checked, ConfigReader } from "./reader";
import { ConfigProblem, DemoReplicas } from "./types";

/** What `serverCount` allows. */
export const SERVER_COUNT_ALLOWED = "3 or 5 (an odd count keeps Raft quorum)";

/** The keys whose values decide how many allocations the clients must hold. */
export const ALLOCATION_KEYS = [
  "clientCount",
  "publicApiReplicas",
  "privateApiReplicas",
  "frontendReplicas",
] as const;

/** The instance counts and sizes, as parsed (meaningful only when no problem was found). */
export interface Counts {
  serverCount: number;
  clientCount: number;
  serverMachineType: string;
  clientMachineType: string;
  /** The clients' shape; undefined when the machine type was refused. */
  clientMachine?: MachineShape;
  serverDiskSizeGb: number;
}

/**
 * A machine type key: required, and a shape this program supports. The example the message
 * gives is the key's default (`keys.ts`), so the defaults live in one place.
 */
function machine(
  r: ConfigReader,
  k: "serverMachineType" | "clientMachineType",
): MachineShape | undefined {
  const example = DEFAULTS[k];
  const allowed = example ? `${MACHINE_TYPES_ALLOWED}, such as ${example}` : MACHINE_TYPES_ALLOWED;
  const v = r.required(k, allowed);
  if (v === undefined) return undefined;
  const shape = machineShape(v);
  if ("reason" in shape) {
    r.fail(k, `${MACHINE_TYPES_ALLOWED}${shape.reason ? `; ${shape.reason}` : ""}`);
    return undefined;
  }
  return shape;
}

/**
 * Servers (3 or 5), clients, both machine types (servers big enough for a Consul and a Nomad
 * server) and the servers' disk size.
 */
export function checkCounts(r: ConfigReader): Checked<Counts> {
  const serverCount = r.integer("serverCount", 3, 5, SERVER_COUNT_ALLOWED);
  if (serverCount === 4) r.fail("serverCount", SERVER_COUNT_ALLOWED);
  const clientCount = r.integer("clientCount", 1, 100);
  const serverMachine = machine(r, "serverMachineType");
  const clientMachine = machine(r, "clientMachineType");
  const serverSmall = serverMachine && serverSize(serverMachine);
  if (serverSmall) r.failWith("serverMachineType", serverSmall, serverMachine?.name);
  const serverDiskSizeGb = r.integer("serverDiskSizeGb", 20, 1000);
  return r.result({
    serverCount,
    clientCount,
    serverMachineType: r.value("serverMachineType") ?? "",
    clientMachineType: r.value("clientMachineType") ?? "",
    clientMachine,
    serverDiskSizeGb,
  });
}

/** The demo applications' replica counts: 0 to 20 each. */
export function checkReplicas(r: ConfigReader): Checked<DemoReplicas> {
  return r.result({
    publicApi: r.integer("publicApiReplicas", 0, 20),
    privateApi: r.integer("privateApiReplicas", 0, 20),
    frontend: r.integer("frontendReplicas", 0, 20),
  });
}

/**
 * Whether everything fits: the instances (and a rolling update's surge) in the subnet, the
 * allocations on the clients. Each rule runs only when the keys it reads passed their own
 * checks; `subnet` is undefined when `subnetCidr` did not.
 */
export function checkFit(
  r: ConfigReader,
  subnet: Cidr | undefined,
  counts: Counts,
  replicas: DemoReplicas,
): ConfigProblem[] {
  const room =
    subnet &&
    r.clean("serverCount", "clientCount") &&
    subnetRoom(subnet, counts.serverCount, counts.clientCount);
  if (room) r.fail("subnetCidr", room);
  const capacity =
    counts.clientMachine &&
    r.clean(...ALLOCATION_KEYS) &&
    clientCapacity(counts.clientMachine, counts.clientCount, replicas);
  if (capacity) r.fail(capacity.key, capacity.allowed);
  return r.problems;
}
