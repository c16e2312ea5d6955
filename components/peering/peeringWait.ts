/**
 * Waits, bounded, until a peering is ACTIVE on this side and the services the peer exports
 * to us are visible in our catalog (`/v1/peering/:name`, `/v1/catalog/services?peer=`).
 * A TERMINATED or DELETING peering fails at once; on timeout the error says the last state
 * and which services are still missing.
 */
import * as pulumi from "@pulumi/pulumi";
import { callApi } from "../nomad/apiClient";
import { keyedDiff } from "../nomad/dynamicDiff";

/**
 * Default pause between looks at the peering (scripts/durations.ts reads it for the
 * estimate): two small Consul reads per look.
 */
export const PEERING_POLL_SECONDS = 5;

/** Inputs of the wait. */
export interface PeeringWaitInput {
  consulAddress: string;
  caPem: string;
  consulToken: string;
  peerName: string;
  /** Services the peer exports to this datacenter. */
  expectedServices: string[];
  timeoutSeconds: number;
  pollSeconds?: number;
}

/** What the wait saw last. */
export interface PeeringWaitResult {
  state: string;
  importedServices: string[];
}

const ONE_TRY = { attempts: 1, baseDelayMs: 0 };

/** States a peering does not come back from without re-peering. */
const TERMINAL_STATES = ["TERMINATED", "DELETING"];

/** One look at the peering and the peer's services. */
export async function peeringStatus(i: PeeringWaitInput): Promise<PeeringWaitResult> {
  const auth = {
    caPem: i.caPem,
    baseUrl: i.consulAddress,
    token: { header: "X-Consul-Token" as const, value: i.consulToken },
  };
  const name = encodeURIComponent(i.peerName);
  const peering = await callApi(
    { ...auth, path: `/v1/peering/${name}` },
    `read peering ${i.peerName}`,
    ONE_TRY,
  );
  const state = String((peering.body as { State?: string } | null)?.State ?? "UNDEFINED");
  if (state !== "ACTIVE") return { state, importedServices: [] };
  const services = await callApi(
    { ...auth, path: `/v1/catalog/services?peer=${name}` },
    `list services of peer ${i.peerName}`,
    ONE_TRY,
  );
  return {
    state,
    importedServices: Object.keys((services.body as Record<string, unknown> | null) ?? {}).sort(),
  };
}

/** Waits until ACTIVE with every expected service imported. */
export async function waitForPeering(i: PeeringWaitInput): Promise<PeeringWaitResult> {
  const deadline = Date.now() + i.timeoutSeconds * 1000;
  const poll = (i.pollSeconds ?? PEERING_POLL_SECONDS) * 1000;
  let last: PeeringWaitResult | undefined;
  let lastError = "";
  for (;;) {
    try {
      last = await peeringStatus(i);
      lastError = "";
    } catch (e) {
      // A 4xx (wrong token, no permission) will not fix itself; anything else is retried.
      if ((e as { status?: number }).status !== undefined) throw e;
      lastError = e instanceof Error ? e.message : String(e);
    }
    if (!lastError && last) {
      if (TERMINAL_STATES.includes(last.state)) {
        throw new Error(
          `peering ${i.peerName} is ${last.state}: the peer deleted it; re-peer by bumping hashistack:peeringGeneration on the acceptor`,
        );
      }
      const current = last;
      const missing = i.expectedServices.filter((s) => !current.importedServices.includes(s));
      if (current.state === "ACTIVE" && missing.length === 0) return current;
    }
    if (Date.now() + poll > deadline) {
      const missing = i.expectedServices.filter((s) => !last?.importedServices.includes(s));
      throw new Error(
        `peering ${i.peerName} not ready after ${i.timeoutSeconds} s: state ${last?.state ?? "unknown"}` +
          (missing.length > 0 ? `; services not yet imported: ${missing.join(", ")}` : "") +
          (lastError ? `; last error: ${lastError}` : ""),
      );
    }
    await new Promise((r) => setTimeout(r, poll));
  }
}

/** The dynamic provider: create waits; an unchanged wait never re-runs. */
export const peeringWaitProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: PeeringWaitInput) {
    const result = await waitForPeering(inputs);
    return { id: inputs.peerName, outs: { ...inputs, ...result } };
  },
  async diff(_id: string, olds: PeeringWaitInput, news: PeeringWaitInput) {
    return keyedDiff(olds, news, ["consulAddress", "caPem", "peerName"]);
  },
  async update(_id: string, _olds: PeeringWaitInput, news: PeeringWaitInput) {
    return { outs: { ...news, ...(await waitForPeering(news)) } };
  },
};

/** Arguments of {@link PeeringWait}. */
export interface PeeringWaitArgs {
  consulAddress: pulumi.Input<string>;
  caPem: pulumi.Input<string>;
  consulToken: pulumi.Input<string>;
  peerName: string;
  expectedServices: pulumi.Input<string[]>;
  timeoutSeconds: number;
}

/** Completes when the peering is ACTIVE and the peer's exports are visible here. */
export class PeeringWait extends pulumi.dynamic.Resource {
  declare public readonly state: pulumi.Output<string>;
  declare public readonly importedServices: pulumi.Output<string[]>;

  constructor(name: string, args: PeeringWaitArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      peeringWaitProvider,
      name,
      {
        ...args,
        consulToken: pulumi.secret(args.consulToken),
        state: undefined,
        importedServices: undefined,
      },
      { ...opts, additionalSecretOutputs: ["consulToken"] },
      "hashistack",
      "PeeringWait",
    );
  }
}
