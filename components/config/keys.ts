/**
 * The `hashistack:` keys: those declared in `Pulumi.yaml` with their defaults, and every key
 * the program reads. Pure.
 */
import { DEFERRED_PEERS_KEY } from "./deferral";
import { LICENSE_KEYS } from "./types";

/**
 * Keys declared in `Pulumi.yaml`, with their defaults (undefined = required). The licenses
 * are read too but deliberately not declared (see LICENSE_KEYS); tests/cliConfig.test.ts
 * checks this table against `Pulumi.yaml`.
 */
export const DEFAULTS: Readonly<Record<string, string | undefined>> = {
  datacenter: undefined,
  serverCount: "3",
  clientCount: "2",
  serverMachineType: "e2-standard-2",
  clientMachineType: "e2-standard-4",
  serverDiskSizeGb: "50",
  subnetCidr: undefined,
  nomadBridgeCidr: "172.26.64.0/20",
  operatorCidrs: undefined,
  allowWideOperatorCidrs: "false",
  apiGatewayCidrs: '["0.0.0.0/0"]',
  meshGatewayCidrs: '["0.0.0.0/0"]',
  sshViaIap: "false",
  apiGatewayPort: "8080",
  consulVersion: "1.22.6",
  nomadVersion: "1.10.3",
  peers: "[]",
  failoverMode: "none",
  peeringGeneration: "1",
  publicApiReplicas: "2",
  privateApiReplicas: "2",
  frontendReplicas: "1",
  readinessTimeoutMinutes: "20",
  [DEFERRED_PEERS_KEY]: "[]",
  protectCluster: "true",
};

/** Every `hashistack:` key the program reads: the declared ones and the licenses. */
export const KNOWN_KEYS: readonly string[] = [...Object.keys(DEFAULTS), ...LICENSE_KEYS];
