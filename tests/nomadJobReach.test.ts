/**
 * What "Nomad did not answer" means, and how long each operation waits for an answer:
 * - a reset, broken pipe or idle timeout after the TLS handshake comes from a server that
 *   was reached: a diff retries it and then fails, never falling back to inputs only (that
 *   fallback is for a machine that cannot reach the cluster at all);
 * - a refresh of a stopped or unreachable cluster fails within ~30 s per object, with a
 *   message saying what to do, instead of the apply policy's minutes.
 */
import * as net from "net";
import * as tls from "tls";
import { AddressInfo } from "net";
import { isNoAnswerError, isUnreachable } from "../components/nomad/apiClient";
import { APPLY_CALL, DIFF_CALL, READ_CALL, worstCaseMs } from "../components/nomad/nomadApi";
import { NomadJobOutputs, nomadJobProvider } from "../components/nomad/nomadJob";
import { decideJobDiff } from "../components/nomad/nomadJobDiff";
import { nomadNamespaceProvider } from "../components/nomad/nomadNamespace";
import { startFakeApi, tlsFixtures } from "./harness/fakeApi";
import { jobInputs, nomadConn } from "./harness/jobInputs";

/** A listener that accepts, optionally completes TLS, then resets or holds; counts connections. */
async function brokenServer(after: "tls" | "tcp", mode: "hold" | "reset") {
  const sockets: net.Socket[] = [];
  const { certPem, keyPem } = tlsFixtures().good;
  const server = net.createServer((raw) => {
    sockets.push(raw);
    const cut = () => void (mode === "reset" && raw.resetAndDestroy());
    if (after === "tcp") {
      cut();
      return;
    }
    const secure = new tls.TLSSocket(raw, { isServer: true, cert: certPem, key: keyPem });
    secure.on("error", () => undefined);
    secure.once("secure", cut);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => sockets.length,
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const state = (address: string): NomadJobOutputs => ({
  ...jobInputs({ url: address }, { variables: { datacenter: "dc1" }, timeoutSeconds: 600 }),
  jobId: "mesh-gateway",
  namespace: "default",
  jobModifyIndex: 101,
  deploymentId: "d101",
  drift: "",
  providerRevision: 1,
});

describe("a server that was reached is not 'no answer'", () => {
  const quick = {
    timeoutMs: 1000,
    retry: { ...DIFF_CALL.retry, baseDelayMs: 5, maxDelayMs: 5 },
  };

  test.each([
    ["resets the connection after the TLS handshake", "reset", /ECONNRESET|socket hang up/],
    ["stalls after the TLS handshake", "hold", /timed out after 1000 ms/],
  ] as const)("a diff against a Nomad that %s retries, then fails", async (_, mode, last) => {
    const server = await brokenServer("tls", mode);
    try {
      const olds = state(server.url);
      const err = await decideJobDiff(
        olds,
        { ...olds, variables: { datacenter: "dc2" } },
        quick,
      ).catch((e: unknown) => e);
      expect(isUnreachable(err)).toBe(false);
      expect((err as Error).message).toMatch(
        new RegExp(`^parse jobspec: failed after ${DIFF_CALL.retry.attempts} attempts; last: `),
      );
      expect((err as Error).message).toMatch(last);
      expect(server.connections()).toBe(DIFF_CALL.retry.attempts);
    } finally {
      await server.close();
    }
  });

  test("the same reset before any TLS handshake is 'no answer' (one try, then inputs only)", async () => {
    const server = await brokenServer("tcp", "reset");
    try {
      const olds = state(server.url);
      const verdict = await decideJobDiff(
        olds,
        { ...olds, variables: { datacenter: "dc2" } },
        quick,
      );
      expect(verdict.note).toContain("did not answer from this machine: ECONNRESET");
      expect(server.connections()).toBe(1);
    } finally {
      await server.close();
    }
  });

  test("the classification itself", () => {
    expect(isNoAnswerError({ code: "ECONNRESET" })).toBe(true);
    expect(isNoAnswerError({ code: "ECONNRESET", tlsEstablished: true })).toBe(false);
    expect(isNoAnswerError({ code: "EPIPE", tlsEstablished: true })).toBe(false);
    expect(isNoAnswerError({ code: "ETIMEDOUT", tlsEstablished: true })).toBe(false);
    expect(isNoAnswerError({ code: "ECONNREFUSED" })).toBe(true);
    expect(isNoAnswerError({ code: "ENOTFOUND" })).toBe(false);
  });
});

describe("refresh of a cluster that does not answer", () => {
  test("READ_CALL fails within ~30 s per call; the apply policy would take minutes", () => {
    expect(worstCaseMs(READ_CALL)).toBeLessThanOrEqual(30_000);
    expect(worstCaseMs(APPLY_CALL)).toBeGreaterThan(120_000);
  });

  test("a job: READ_CALL's attempts, then a message that says what to do", async () => {
    const server = await brokenServer("tcp", "reset");
    try {
      const err = await nomadJobProvider.read!("mesh-gateway@default", state(server.url)).catch(
        (e: unknown) => e,
      );
      expect((err as Error).message).toBe(
        `refresh of Nomad job mesh-gateway@default: read job mesh-gateway: failed after 3 ` +
          `attempts; last: connect ECONNRESET ${server.url.replace("https://", "")}. A ` +
          `refresh reads it from Nomad at ${server.url}: ` +
          "start the cluster or run from an address in hashistack:operatorCidrs, or leave the " +
          "Nomad objects out (pulumi refresh --exclude <urn>)",
      );
      expect(server.connections()).toBe(READ_CALL.retry.attempts);
    } finally {
      await server.close();
    }
  });

  test("a namespace: the same policy and message; a 4xx keeps Nomad's own words", async () => {
    const server = await brokenServer("tcp", "reset");
    const ns = {
      ...nomadConn(server),
      name: "ingress",
      description: "API gateways",
      providerRevision: 1,
    };
    try {
      await expect(nomadNamespaceProvider.read!("ingress", ns)).rejects.toThrow(
        /^refresh of Nomad namespace ingress: read namespace ingress: failed after 3 attempts; .*\(pulumi refresh --exclude <urn>\)$/,
      );
      expect(server.connections()).toBe(READ_CALL.retry.attempts);
    } finally {
      await server.close();
    }
    const api = await startFakeApi({
      "GET /v1/namespace/ingress": () => ({ status: 403, body: "Permission denied" }),
    });
    try {
      await expect(
        nomadNamespaceProvider.read!("ingress", { ...ns, address: api.url }),
      ).rejects.toThrow(
        /^refresh of Nomad namespace ingress: read namespace ingress: HTTP 403: Permission denied$/,
      );
    } finally {
      await api.close();
    }
  });
});
