/**
 * Reads what each acceptor stack exports for this datacenter (peering token, exported
 * services) through a StackReference named in config, and validates it before anything
 * else is created: a dialer deployed before its acceptor fails at once, naming the stack
 * and the output, with nothing half-built.
 */
import * as pulumi from "@pulumi/pulumi";
import { PeerConfig } from "../config/types";
import { UserError } from "../config/userError";
import { EXPORTED, SERVICES } from "../mesh/configEntries";

/** Stack output names the dialers read from an acceptor. */
export const OUTPUTS = { tokens: "peeringTokens", exported: "exportedServices" } as const;

/**
 * The engine's builtin invoke behind every stack reference (pkg/resource/deploy/builtins.go,
 * `readStackOutputs`). An invoke failure comes back to the program as an error it can catch
 * ("invocation of ... returned an error: unknown stack ..."); a failing StackReference read
 * instead fails the engine's own step, which prints the engine's message, not ours.
 */
export const READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs";

/** An acceptor stack that cannot be used: missing, not deployed, or exporting nothing for us. */
export class PeerStackError extends UserError {}

/** What a dialer needs from one acceptor. */
export interface AcceptorOutputs {
  /** The peering token for this datacenter (secret). */
  token: pulumi.Output<string>;
  /**
   * Services the acceptor exports (the ACTIVE wait expects them here); a secret when the
   * acceptor's output was one, so the wait's input stays secret in this stack's state too.
   */
  exportedServices: pulumi.Input<string[]>;
}

/** Validates the token output; errors name the stack and the output. */
export function tokenFromOutput(stack: string, localDc: string, value: unknown): string {
  if (value === undefined || value === null) {
    throw new PeerStackError(
      `stack ${stack} has no "${OUTPUTS.tokens}" output: deploy it first, with "acceptor:${localDc}" in its hashistack:peers`,
    );
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new PeerStackError(
      `stack ${stack} output "${OUTPUTS.tokens}" is malformed: expected a map of datacenter to token, got ${Array.isArray(value) ? "a list" : typeof value}`,
    );
  }
  const token = (value as Record<string, unknown>)[localDc];
  if (typeof token !== "string" || token.length === 0) {
    throw new PeerStackError(
      `stack ${stack} output "${OUTPUTS.tokens}" has no token for ${localDc}: add "acceptor:${localDc}" to that stack's hashistack:peers and deploy it`,
    );
  }
  return token;
}

/** The services list output; absent means none, anything but a list of names is refused. */
export function exportedFromOutput(stack: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((s) => typeof s === "string")) {
    throw new PeerStackError(
      `stack ${stack} output "${OUTPUTS.exported}" is malformed: expected a list of service names, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * The program's message for an acceptor stack the engine cannot read. `unknown stack "<name>"`
 * is what both backends answer for a stack that does not exist (pkg/backend/backend.go,
 * GetStackOutputs; diy and httpstate GetStack return nil for it); any other reason (no
 * access, wrong organization) is passed on as it came.
 */
export function unreadableStackMessage(stack: string, localDc: string, error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const reason = raw.replace(/^invocation of \S+ returned an error: /, "");
  if (/^unknown stack /.test(reason)) {
    const name = stack.split("/").pop() ?? stack;
    return `stack ${stack} does not exist: deploy ${name} first (pulumi up -s ${name}), with "acceptor:${localDc}" in its hashistack:peers (the backend said: ${reason})`;
  }
  return `stack ${stack} could not be read (${reason}): check the dialer entry in hashistack:peers, and that you are logged in to the backend holding it`;
}

/** Reads and validates every acceptor this datacenter dials, keyed by remote datacenter. */
export async function readAcceptorOutputs(
  datacenter: string,
  peers: PeerConfig[],
): Promise<Record<string, AcceptorOutputs>> {
  const out: Record<string, AcceptorOutputs> = {};
  for (const peer of peers.filter((p) => p.role === "dialer")) {
    const stack = peer.stack as string;
    // Existence first, through the invoke whose failure the program can catch.
    try {
      await pulumi.runtime.invoke(READ_STACK_OUTPUTS, { name: stack });
    } catch (e) {
      throw new PeerStackError(unreadableStackMessage(stack, datacenter, e));
    }
    const ref = new pulumi.StackReference(`${datacenter}-ref-${peer.datacenter}`, { name: stack });
    // getOutputDetails gives `value`, or `secretValue` when the acceptor marked it secret.
    const tokens = await ref.getOutputDetails(OUTPUTS.tokens);
    const token = tokenFromOutput(stack, datacenter, tokens.secretValue ?? tokens.value);
    const exported = await ref.getOutputDetails(OUTPUTS.exported);
    const services = exportedFromOutput(stack, exported.secretValue ?? exported.value);
    out[peer.datacenter] = {
      token: pulumi.secret(token),
      exportedServices: exported.secretValue !== undefined ? pulumi.secret(services) : services,
    };
  }
  return out;
}

/** What {@link peeringStackOutputs} needs: the validated config and this run's peering. */
export interface PeeringOutputsInput {
  /** Every configured peer (deferred ones included). */
  peers: readonly PeerConfig[];
  /** The peers this run creates objects for (deferred dialers left out). */
  activePeers: readonly PeerConfig[];
  deferredPeers: readonly string[];
  replicas: { publicApi: number; privateApi: number };
  tokens: pulumi.Input<Record<string, string>>;
  peerings: pulumi.Input<unknown>;
}

/**
 * The stack outputs about peering: the peer names, the services exported (only the backends
 * that run: a dialer's ACTIVE wait expects exactly these), the tokens an acceptor mints
 * (secret; read by dialers through their StackReference), a dialer's peerings and the peers
 * deferred by this run. Keys appear only when they mean something for this stack.
 */
export function peeringStackOutputs(i: PeeringOutputsInput): Record<string, unknown> {
  const running = EXPORTED.filter(
    (s) => (s === SERVICES.publicApi ? i.replicas.publicApi : i.replicas.privateApi) > 0,
  );
  return {
    peerNames: i.peers.map((p) => p.peerName),
    [OUTPUTS.exported]: running,
    ...(i.activePeers.some((p) => p.role === "acceptor") ? { [OUTPUTS.tokens]: i.tokens } : {}),
    ...(i.activePeers.some((p) => p.role === "dialer") ? { peerings: i.peerings } : {}),
    ...(i.deferredPeers.length > 0 ? { deferredPeers: [...i.deferredPeers] } : {}),
  };
}
