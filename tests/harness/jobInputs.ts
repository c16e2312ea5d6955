/**
 * Inputs of the Nomad provider tests: the token, the usual jobspec, the connection to a fake
 * Nomad (or any fake API) and a job's inputs, each test changing only what it is about.
 */
import type { NomadJobInputs } from "../../components/nomad/nomadJob";
import { tlsFixtures } from "./fakeApi";
import type { FakeNomad } from "./fakeNomad";

/** The Nomad ACL token the provider tests send (shaped like a real SecretID). */
export const NOMAD_TOKEN = "66666666-7777-4888-8999-000000000000";

/** The jobspec most provider tests register: job "mesh-gateway", one group. */
export const JOB_HCL = 'job "mesh-gateway" {\n  group "g" {}\n}\n';

/** What the provider needs to reach `at` (a fake Nomad or any fake API): address, CA, token. */
export function nomadConn(at: FakeNomad | { url: string }) {
  return {
    address: "api" in at ? at.api.url : at.url,
    caPem: tlsFixtures().good.caPem,
    token: NOMAD_TOKEN,
  };
}

/** Job inputs against `at` that register a healthy JOB_HCL; a test changes one field with `over`. */
export function jobInputs(
  at: FakeNomad | { url: string },
  over: Partial<NomadJobInputs> = {},
): NomadJobInputs {
  return {
    ...nomadConn(at),
    jobspec: JOB_HCL,
    variables: { datacenter: "dc1", wan_address: "203.0.113.9" },
    waitHealthy: true,
    timeoutSeconds: 5,
    ...over,
  };
}
