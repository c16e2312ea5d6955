/**
 * Cluster peering of one datacenter with each configured peer, plus what the peers use:
 * - acceptor side: one `consul.PeeringToken` per remote datacenter, after this side's mesh
 *   entry and healthy mesh gateway (so the token carries the gateway's address), its inputs
 *   constant but for the deliberate generation number;
 * - dialer side: the token read from the acceptor's stack (peerOutputs.ts),
 *   `consul.Peering` after our own mesh entry and mesh gateway, then a bounded
 *   wait until the peering is ACTIVE and the acceptor's exports are visible;
 * - exports of the backends, and failover (service-resolver or sameness group).
 */
import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { FailoverMode, PeerConfig } from "../config/loadConfig";
import {
  EXPORTED,
  exportedServices,
  failoverResolver,
  samenessGroup,
  SAMENESS_GROUP,
} from "../mesh/configEntries";
import { configEntry } from "../mesh/configEntryResource";
import { childOf, InClusterArgs } from "../config/childOptions";
import { AcceptorOutputs } from "./peerOutputs";
import { PeeringWait } from "./peeringWait";

/** Arguments of {@link ClusterPeering}. */
export interface ClusterPeeringArgs extends InClusterArgs {
  datacenter: string;
  peers: PeerConfig[];
  failoverMode: FailoverMode;
  /** Bump to mint new tokens: part of the token's `meta`, a replace-forcing input. */
  peeringGeneration: number;
  /** Validated outputs of the acceptors this datacenter dials (see peerOutputs.ts). */
  acceptors: Record<string, AcceptorOutputs>;
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
    super("hashistack:peering:ClusterPeering", name, {}, opts);
    const child = childOf(this, args);
    const keyed = { ...child, deleteBeforeReplace: true, dependsOn: args.meshReady };
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
        const acceptor = args.acceptors[peer.datacenter];
        if (!acceptor) throw new Error(`no acceptor outputs read for ${peer.datacenter}`);
        const peering = new consul.Peering(
          `${name}-peering-${peer.datacenter}`,
          { peerName: peer.peerName, peeringToken: acceptor.token },
          keyed,
        );
        this.peeringObjects.push(peering);
        const wait = new PeeringWait(
          `${name}-active-${peer.datacenter}`,
          {
            consulAddress: args.consul.address,
            caPem: args.consul.caPem,
            consulToken: args.consul.token,
            peerName: peer.peerName,
            expectedServices: acceptor.exportedServices,
            timeoutSeconds: args.timeoutSeconds,
          },
          // A re-peering replaces the Peering (all its inputs force a new one), and
          // `dependsOn` alone would never re-run the wait; `replaceWith` replaces the wait
          // with it, so the new peering is waited for (engine: step_generator.go ReplaceWith).
          { ...child, dependsOn: [peering], replaceWith: [peering] },
        );
        peerings[peer.peerName] = pulumi
          .all([wait.state, wait.importedServices])
          .apply(([state, importedServices]) => ({ state, importedServices }));
      }
    }

    // Exports, failover and peer-sourced intentions name peers: create them after the
    // peering objects exist on this side.
    const afterPeering = { ...child, dependsOn: this.peeringObjects };
    const peerNames = args.peers.map((p) => p.peerName);
    if (args.peers.length > 0) {
      const group =
        args.failoverMode === "sameness-group"
          ? configEntry(`${name}-sameness-group`, samenessGroup(peerNames), afterPeering)
          : undefined;
      configEntry(
        `${name}-exports`,
        exportedServices(peerNames, group ? SAMENESS_GROUP : undefined),
        group ? { ...child, dependsOn: [...this.peeringObjects, group] } : afterPeering,
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
