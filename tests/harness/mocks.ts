/**
 * Mocks for the resources and invokes the program uses. Computed outputs are deterministic
 * so runs compare equal.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockCallArgs, MockResourceArgs, Mocks } from "@pulumi/pulumi/runtime/mocks";

/** Substring present in every mocked secret string value. */
export const SECRET_MARK = "MOCKSECRET";

/** A deterministic UUID-shaped value for a resource name (Consul tokens must be UUIDs). */
export function mockUuid(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const hex = h.toString(16).padStart(8, "0");
  return `${hex}-0000-4000-8000-${hex}0000`;
}

/** A value as text: strings as they are, anything else as JSON. */
function str(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Extra behaviour a test can plug in. */
export interface MockOverrides {
  /** Invoke results by token; a function receives the inputs. */
  invokes?: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;
  /** Extra state per resource type, merged over the defaults. */
  state?: Record<string, (args: MockResourceArgs) => Record<string, unknown>>;
  /** Outputs of referenced stacks, by fully-qualified stack name. */
  stackOutputs?: Record<string, { outputs: Record<string, unknown>; secretOutputNames?: string[] }>;
}

/**
 * The program's mocks: state = inputs + computed outputs; unmocked invokes throw. Which
 * outputs are secret is decided as the engine does (additionalSecretOutputs, secret
 * inputs), in the recording monitor; values below only carry SECRET_MARK to be visible.
 */
export class ProgramMocks implements Mocks {
  constructor(private readonly overrides: MockOverrides = {}) {}

  call(args: MockCallArgs): Record<string, unknown> {
    const inputs = (args.inputs ?? {}) as Record<string, unknown>;
    const custom = this.overrides.invokes?.[args.token];
    if (custom) return custom(inputs);
    switch (args.token) {
      case "pulumi:pulumi:readStackOutputs":
        // The engine's builtin (pkg/resource/deploy/builtins.go); a missing stack fails with the
        // backend's words, wrapped as resmon.Invoke wraps every invoke error (source_eval.go).
        return this.stackOutputs(str(inputs.name), "invoke");
      case "gcp:compute/getZones:getZones": {
        // The program must not filter by status: a zone's outage would move the MIGs.
        if (inputs.status !== undefined)
          throw new Error(`getZones called with status ${str(inputs.status)}`);
        const region = str(inputs.region ?? "mock-region1");
        return {
          names: ["c", "a", "b", "d"].map((z) => `${region}-${z}`),
          project: inputs.project,
        };
      }
      default:
        throw new Error(`unmocked invoke ${args.token} (inputs ${JSON.stringify(inputs)})`);
    }
  }

  newResource(args: MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const inputs = (args.inputs ?? {}) as Record<string, unknown>;
    const computed = this.computed(args, inputs);
    const extra = this.overrides.state?.[args.type]?.(args) ?? {};
    const id = args.custom === false ? undefined : str(computed.id ?? `${args.name}-id`);
    return { id, state: { ...inputs, ...computed, ...extra } };
  }

  /**
   * A referenced stack's outputs as the engine returns them: `name`, `outputs` (those the
   * source stack marked secret stay secret) and `secretOutputNames`; an unknown stack fails
   * with the backend's message `unknown stack "<name>"` (pkg/backend/backend.go).
   */
  private stackOutputs(stack: string, how: "invoke" | "read"): Record<string, unknown> {
    const ref = this.overrides.stackOutputs?.[stack];
    if (!ref) {
      const reason = `unknown stack ${JSON.stringify(stack)}`;
      throw new Error(
        how === "invoke"
          ? `invocation of pulumi:pulumi:readStackOutputs returned an error: ${reason}`
          : reason,
      );
    }
    const secretNames = ref.secretOutputNames ?? [];
    const outputs = Object.fromEntries(
      Object.entries(ref.outputs).map(([k, v]) => [
        k,
        secretNames.includes(k) ? pulumi.secret(v) : v,
      ]),
    );
    return { name: stack, outputs, secretOutputNames: secretNames };
  }

  private computed(
    args: MockResourceArgs,
    inputs: Record<string, unknown>,
  ): Record<string, unknown> {
    const n = args.name;
    switch (args.type) {
      case "pulumi:pulumi:StackReference":
        return { id: str(inputs.name), ...this.stackOutputs(str(inputs.name), "read") };
      case "random:index/randomUuid:RandomUuid":
        return { result: mockUuid(n) };
      case "random:index/randomPassword:RandomPassword":
        return { result: `${SECRET_MARK}-password-${n}` };
      case "random:index/randomBytes:RandomBytes":
        return {
          base64: Buffer.from(`${SECRET_MARK}-${n}`.padEnd(32, "x").slice(0, 32)).toString(
            "base64",
          ),
          hex: `${SECRET_MARK}hex${n}`,
        };
      case "tls:index/privateKey:PrivateKey":
        return {
          privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${SECRET_MARK}-${n}\n-----END PRIVATE KEY-----\n`,
          publicKeyPem: `-----BEGIN PUBLIC KEY-----\nmock-${n}\n-----END PUBLIC KEY-----\n`,
        };
      case "tls:index/selfSignedCert:SelfSignedCert":
      case "tls:index/locallySignedCert:LocallySignedCert":
        return { certPem: `-----BEGIN CERTIFICATE-----\nmock-${n}\n-----END CERTIFICATE-----\n` };
      case "tls:index/certRequest:CertRequest":
        return {
          certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\nmock-${n}\n-----END CERTIFICATE REQUEST-----\n`,
        };
      case "consul:index/peeringToken:PeeringToken":
        return { peeringToken: `${SECRET_MARK}-peering-token-${n}` };
      case "gcp:compute/address:Address":
        return { address: `203.0.113.${(n.length * 7) % 250}`, selfLink: `mock://addresses/${n}` };
      case "gcp:serviceaccount/account:Account":
        return {
          email: `${str(inputs.accountId)}@${str(inputs.project ?? "mock-project")}.iam.gserviceaccount.com`,
        };
      case "gcp:secretmanager/secret:Secret":
        return {
          id: `projects/mock/secrets/${str(inputs.secretId)}`,
          name: `projects/mock/secrets/${str(inputs.secretId)}`,
        };
      default:
        return args.custom === false ? {} : { selfLink: `mock://${args.type}/${n}` };
    }
  }
}
