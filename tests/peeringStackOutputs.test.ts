/**
 * The peering stack outputs (components/peering/peerOutputs.ts, peeringStackOutputs): which
 * keys a stack exports, and which backends it says it exports, decide what a dialer's
 * StackReference reads and what its ACTIVE wait expects.
 */
import { PeerConfig } from "../components/config/types";
import { OUTPUTS, peeringStackOutputs } from "../components/peering/peerOutputs";

const acceptor: PeerConfig = { role: "acceptor", datacenter: "dc2", peerName: "dc2-default" };
const dialer: PeerConfig = {
  role: "dialer",
  datacenter: "dc1",
  peerName: "dc1-default",
  stack: "organization/hashistack/dc1",
};
const base = {
  deferredPeers: [] as string[],
  replicas: { publicApi: 1, privateApi: 1 },
  tokens: { dc2: "token" },
  peerings: { "dc1-default": "peering" },
};

describe("peering stack outputs", () => {
  test("an acceptor exports its tokens, no peerings; both running backends", () => {
    const out = peeringStackOutputs({ ...base, peers: [acceptor], activePeers: [acceptor] });
    expect(out).toEqual({
      peerNames: ["dc2-default"],
      [OUTPUTS.exported]: ["public-api", "private-api"],
      [OUTPUTS.tokens]: { dc2: "token" },
    });
  });

  test("a dialer exports its peerings, no tokens", () => {
    const out = peeringStackOutputs({ ...base, peers: [dialer], activePeers: [dialer] });
    expect(Object.keys(out).sort()).toEqual([OUTPUTS.exported, "peerNames", "peerings"].sort());
  });

  test("a backend with no replicas is not exported (the peer's wait would never see it)", () => {
    const out = peeringStackOutputs({
      ...base,
      replicas: { publicApi: 0, privateApi: 2 },
      peers: [acceptor],
      activePeers: [acceptor],
    });
    expect(out[OUTPUTS.exported]).toEqual(["private-api"]);
  });

  test("a deferred dialer: its name stays, no peerings, and the deferral is an output", () => {
    const out = peeringStackOutputs({
      ...base,
      deferredPeers: ["dc1"],
      peers: [dialer],
      activePeers: [],
    });
    expect(out.peerNames).toEqual(["dc1-default"]);
    expect(out.peerings).toBeUndefined();
    expect(out.deferredPeers).toEqual(["dc1"]);
  });
});
