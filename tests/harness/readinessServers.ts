/** Fake Consul and Nomad HTTPS servers for the readiness gate's tests, and its input against them. */
import { ReadinessInput } from "../../components/cluster/readiness";
import { FakeApi, Route, startFakeApi, tlsFixtures } from "./fakeApi";
import { NOMAD_TOKEN } from "./jobInputs";

/** The Consul management token the gate sends (shaped like a real SecretID). */
export const CONSUL_TOKEN = "11111111-2222-4333-8444-555555555555";

/**
 * Jest setup: `input(consul, nomad, over)` starts a fake Consul and a fake Nomad with these
 * routes (kept in `servers`, Consul then Nomad) and answers the gate's input against them:
 * the test CA, both tokens, 2 expected clients, a 2 s timeout, 50 ms between rounds; a test
 * changes fields with `over`. The servers close after each test.
 */
export function useReadinessServers(): {
  servers: FakeApi[];
  input: (
    consul: Record<string, Route>,
    nomad: Record<string, Route>,
    over?: Partial<ReadinessInput>,
  ) => Promise<ReadinessInput>;
} {
  const servers: FakeApi[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return {
    servers,
    input: async (consul, nomad, over = {}) => {
      const c = await startFakeApi(consul);
      const n = await startFakeApi(nomad);
      servers.push(c, n);
      return {
        consulAddress: c.url,
        nomadAddress: n.url,
        caPem: tlsFixtures().good.caPem,
        consulToken: CONSUL_TOKEN,
        nomadToken: NOMAD_TOKEN,
        expectedClients: 2,
        timeoutSeconds: 2,
        pollSeconds: 0.05,
        ...over,
      };
    },
  };
}
