/**
 * Reads what each acceptor stack exports for this datacenter (peering token, exported
 * services) through a StackReference named in config, and validates it before anything
 * else is created: a dialer deployed before its acceptor fails at once, naming the stack
 * and the output, with nothing half-built.
 */
import * as pulumi from "@pulumi/pulumi";
import { PeerConfig } from "./config";

/** Stack output names the dialers read from an acceptor. */
export const OUTPUTS = { tokens: "peeringTokens", exported: "exportedServices" } as const;

/** What a dialer needs from one acceptor. */
export interface AcceptorOutputs {
  /** The peering token for this datacenter (secret). */
  token: pulumi.Output<string>;
  /** Services the acceptor exports (the ACTIVE wait expects them here). */
  exportedServices: string[];
}

/** Validates the token output; errors name the stack and the output. */
export function tokenFromOutput(stack: string, localDc: string, value: unknown): string {
  if (value === undefined || value === null) {
    throw new Error(
      `stack ${stack} has no "${OUTPUTS.tokens}" output: deploy it first, with "acceptor:${localDc}" in its hashistack:peers`,
    );
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new Error(
      `stack ${stack} output "${OUTPUTS.tokens}" is malformed: expected a map of datacenter to token, got ${Array.isArray(value) ? "a list" : typeof value}`,
    );
  }
  const token = (value as Record<string, unknown>)[localDc];
  if (typeof token !== "string" || token.length === 0) {
    throw new Error(
      `stack ${stack} output "${OUTPUTS.tokens}" has no token for ${localDc}: add "acceptor:${localDc}" to that stack's hashistack:peers and deploy it`,
    );
  }
  return token;
}

/** Reads and validates every acceptor this datacenter dials, keyed by remote datacenter. */
export async function readAcceptorOutputs(
  datacenter: string,
  peers: PeerConfig[],
): Promise<Record<string, AcceptorOutputs>> {
  const out: Record<string, AcceptorOutputs> = {};
  for (const peer of peers.filter((p) => p.role === "dialer")) {
    const stack = peer.stack as string;
    const ref = new pulumi.StackReference(`${datacenter}-ref-${peer.datacenter}`, { name: stack });
    const tokens = await ref.getOutputDetails(OUTPUTS.tokens);
    const token = tokenFromOutput(stack, datacenter, tokens.secretValue ?? tokens.value);
    const exported = (await ref.getOutputDetails(OUTPUTS.exported)).value as unknown;
    out[peer.datacenter] = {
      token: pulumi.secret(token),
      exportedServices: Array.isArray(exported)
        ? exported.filter((s): s is string => typeof s === "string")
        : [],
    };
  }
  return out;
}
