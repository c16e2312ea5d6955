/**
 * Cluster peering of one datacenter with each configured peer, plus what the peers use:
 * - acceptor side: one `consul.PeeringToken` per remote datacenter, after this side's mesh
 *   entry and healthy mesh gateway (so the token carries the gateway's address), its inputs
 *   constant but for the deliberate generation number;
 * - dialer side: the token read from the acceptor's stack (StackReference, named in
 *   config), `consul.Peering` after our own mesh entry and mesh gateway, then a bounded
 *   wait until the peering is ACTIVE and the acceptor's exports are visible;
 * - exports of the backends, and failover (service-resolver or sameness group).
 */
import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { FailoverMode, PeerConfig } from "./config";
import {
  EXPORTED,
  exportedServices,
  failoverResolver,
  samenessGroup,
  SAMENESS_GROUP,
} from "./configEntries";
import { configEntry } from "./meshConfig";
import { PeeringWait } from "./peeringWait";

/** Stack output names the dialers read from an acceptor. */
export const OUTPUTS = { tokens: "peeringTokens", exported: "exportedServices" } as const;

/**
 * Validates what a StackReference returned for the token; errors name the stack and the
 * output, so a dialer deployed before its acceptor says what to do.
 */
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

/** Arguments of {@link ClusterPeering}. */
export interface ClusterPeeringArgs {
  datacenter: string;
  peers: PeerConfig[];
  failoverMode: FailoverMode;
  /** Bump to mint new tokens: part of the token's `meta`, a replace-forcing input. */
  peeringGeneration: number;
  /** Verified Consul connection (from the readiness gate), for the ACTIVE wait. */
  consul: {
    address: pulumi.Input<string>;
    caPem: pulumi.Input<string>;
    token: pulumi.Input<string>;
  };
  /** This side's mesh entry and healthy mesh gateway: tokens and peerings wait for both. */
  meshReady: pulumi.Resource[];
  timeoutSeconds: number;
}

/** Tokens, peerings, exports and failover entries of one datacenter. */
export class ClusterPeering extends pulumi.ComponentResource {
  /** Acceptor: remote datacenter -> token (secret). */
  public readonly tokens: pulumi.Output<Record<string, string>>;
  /** Dialer: peer name -> state and imported services. */
  public readonly peerings: pulumi.Output<
    Record<string, { state: string; importedServices: string[] }>
  >;
  /** Peering objects (tokens and peerings): what peer-referencing entries wait for. */
  public readonly peeringObjects: pulumi.Resource[] = [];

  constructor(name: string, args: ClusterPeeringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hashistack:consul:ClusterPeering", name, {}, opts);
    const keyed = { parent: this, deleteBeforeReplace: true, dependsOn: args.meshReady };
    const tokens: Record<string, pulumi.Output<string>> = {};
    const peerings: Record<
      string,
      pulumi.Output<{ state: string; importedServices: string[] }>
    > = {};

    for (const peer of args.peers) {
      if (peer.role === "acceptor") {
        const token = new consul.PeeringToken(
          `${name}-token-${peer.datacenter}`,
          // Only the peer name and the generation: anything else changing would mint a new
          // single-use token implicitly and break the dialer.
          {
            peerName: peer.peerName,
            meta: { "hashistack-generation": String(args.peeringGeneration) },
          },
          keyed,
        );
        tokens[peer.datacenter] = token.peeringToken;
        this.peeringObjects.push(token);
      } else {
        const stack = peer.stack as string;
        const ref = new pulumi.StackReference(
          `${name}-ref-${peer.datacenter}`,
          { name: stack },
          { parent: this },
        );
        const token = ref
          .getOutput(OUTPUTS.tokens)
          .apply((v) => tokenFromOutput(stack, args.datacenter, v));
        const peering = new consul.Peering(
          `${name}-peering-${peer.datacenter}`,
          { peerName: peer.peerName, peeringToken: pulumi.secret(token) },
          keyed,
        );
        this.peeringObjects.push(peering);
        const expected = ref
          .getOutput(OUTPUTS.exported)
          .apply((v) =>
            Array.isArray(v)
              ? (v as unknown[]).filter((s): s is string => typeof s === "string")
              : [],
          );
        const wait = new PeeringWait(
          `${name}-active-${peer.datacenter}`,
          {
            consulAddress: args.consul.address,
            caPem: args.consul.caPem,
            consulToken: args.consul.token,
            peerName: peer.peerName,
            expectedServices: expected,
            timeoutSeconds: args.timeoutSeconds,
          },
          { parent: this, dependsOn: [peering] },
        );
        peerings[peer.peerName] = pulumi
          .all([wait.state, wait.importedServices])
          .apply(([state, importedServices]) => ({ state, importedServices }));
      }
    }

    // Exports, failover and peer-sourced intentions name peers: create them after the
    // peering objects exist on this side.
    const afterPeering = { parent: this, dependsOn: this.peeringObjects };
    const peerNames = args.peers.map((p) => p.peerName);
    if (args.peers.length > 0) {
      const group =
        args.failoverMode === "sameness-group"
          ? configEntry(`${name}-sameness-group`, samenessGroup(peerNames), afterPeering)
          : undefined;
      configEntry(
        `${name}-exports`,
        exportedServices(peerNames, group ? SAMENESS_GROUP : undefined),
        group ? { parent: this, dependsOn: [...this.peeringObjects, group] } : afterPeering,
      );
      if (args.failoverMode === "resolver") {
        for (const svc of EXPORTED)
          configEntry(`${name}-resolver-${svc}`, failoverResolver(svc, peerNames), afterPeering);
      }
    }

    this.tokens = pulumi.secret(pulumi.all(tokens));
    this.peerings = pulumi.all(peerings);
    this.registerOutputs({ peerings: this.peerings });
  }
}
