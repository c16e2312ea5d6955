/**
 * The runs whose role graphs are pinned in tests/fixtures/roleGraph/: both shipped stacks
 * and the variants that decide which resources exist (API gateway, sameness groups with a
 * license, IAP SSH, a deferred peering).
 */
import { RunOptions } from "./program";

/** Case name -> run options. */
export const ROLE_GRAPH_CASES: Record<string, RunOptions> = {
  dc1: { stack: "dc1" },
  dc2: { stack: "dc2" },
  "dc1-sameness-iap": {
    stack: "dc1",
    config: {
      "hashistack:failoverMode": "sameness-group",
      "hashistack:consulLicense": "LIC-MOCKSECRET",
      "hashistack:sshViaIap": true,
    },
    secretKeys: ["hashistack:consulLicense"],
  },
  "dc2-sameness-frontend": {
    stack: "dc2",
    config: {
      "hashistack:failoverMode": "sameness-group",
      "hashistack:consulLicense": "LIC-MOCKSECRET",
      "hashistack:frontendReplicas": 1,
    },
    secretKeys: ["hashistack:consulLicense"],
  },
  "dc2-deferred": { stack: "dc2", config: { "hashistack:deferredPeers": ["dc1"] } },
};
