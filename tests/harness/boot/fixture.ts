/**
 * What a VM meets at boot, taken from one program run under the mock runtime: its rendered
 * startup script (the instance template's metadata), the Secret Manager secrets with the
 * values the program generated, who may read each (the IAM grants), and the VM's service
 * account. The sandbox serves exactly these; nothing is written by hand.
 */
import { ProgramRun, runProgram } from "../program";

/** One role's boot inputs, as the program made them. */
export interface BootFixture {
  stack: string;
  role: "server" | "client";
  /** The startup script, byte for byte as in the instance template. */
  script: string;
  project: string;
  /** The VM's service account email. */
  account: string;
  /** Secret ID -> latest version's value (the generated material). */
  secrets: Map<string, string>;
  /** Secret ID -> service account emails granted `secretAccessor`. */
  readers: Map<string, Set<string>>;
  /** The header settings of the script (`readonly NAME='value'`). */
  settings: Record<string, string>;
}

/** The settings header of a rendered script. */
export function scriptSettings(script: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of script.matchAll(/^readonly ([A-Z_]+)='((?:[^']|'\\'')*)'$/gm))
    out[m[1] as string] = (m[2] as string).replace(/'\\''/g, "'");
  return out;
}

const str = (v: unknown): string => {
  if (typeof v !== "string") throw new Error(`expected a string, got ${JSON.stringify(v)}`);
  return v;
};

/** The boot inputs of both roles of a stack's run. */
export function bootFixtures(
  run: ProgramRun,
  stack: string,
): Record<"server" | "client", BootFixture> {
  const g = run.graph;
  const secretIdById = new Map<string, string>();
  const project = new Set<string>();
  for (const s of g.all("gcp:secretmanager/secret:Secret")) {
    const id = str(s.inputs.secretId);
    secretIdById.set(`projects/mock/secrets/${id}`, id);
    project.add(str(s.inputs.project));
  }
  const secrets = new Map<string, string>();
  for (const v of g.all("gcp:secretmanager/secretVersion:SecretVersion")) {
    const id = secretIdById.get(str(v.inputs.secret));
    if (!id)
      throw new Error(`secret version ${v.name} of an unknown secret ${str(v.inputs.secret)}`);
    secrets.set(id, str(v.inputs.secretData));
  }
  const readers = new Map<string, Set<string>>();
  for (const m of g.all("gcp:secretmanager/secretIamMember:SecretIamMember")) {
    if (m.inputs.role !== "roles/secretmanager.secretAccessor") continue;
    const id = str(m.inputs.secretId);
    const member = str(m.inputs.member).replace(/^serviceAccount:/, "");
    readers.set(id, (readers.get(id) ?? new Set()).add(member));
  }
  if (project.size !== 1) throw new Error(`secrets in ${project.size} projects`);
  const fixture = (role: "server" | "client", group: string): BootFixture => {
    const template = g.get(
      `${stack}-${group}-template`,
      "gcp:compute/instanceTemplate:InstanceTemplate",
    );
    const script = str((template.inputs.metadata as Record<string, unknown>)["startup-script"]);
    const account = str((template.inputs.serviceAccount as Record<string, unknown>).email);
    return {
      stack,
      role,
      script,
      project: [...project][0] as string,
      account,
      secrets,
      readers,
      settings: scriptSettings(script),
    };
  };
  return { server: fixture("server", "servers"), client: fixture("client", "clients") };
}

const runs = new Map<string, Promise<Record<"server" | "client", BootFixture>>>();
let last: Promise<unknown> = Promise.resolve();

/**
 * Both roles' boot inputs from one run of the program for a stack (config overrides by full
 * key; `*License` keys are secret). Cached per stack and config; runs are serialized, as
 * they share Pulumi's global runtime state.
 */
export function programFixtures(
  stack: string,
  config?: Record<string, unknown>,
): Promise<Record<"server" | "client", BootFixture>> {
  const key = `${stack} ${JSON.stringify(config ?? {})}`;
  let p = runs.get(key);
  if (!p) {
    const secretKeys = Object.keys(config ?? {}).filter((k) => k.endsWith("License"));
    p = last
      .catch(() => undefined)
      .then(() => runProgram({ stack, ...(config ? { config, secretKeys } : {}) }))
      .then((run) => {
        if (run.error) throw run.error;
        return bootFixtures(run, stack);
      });
    runs.set(key, p);
    last = p;
  }
  return p;
}
