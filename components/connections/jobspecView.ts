/**
 * Read-only helpers over a jobspec parsed by `@cdktf/hcl2json` (blocks are arrays, labelled
 * blocks are maps of arrays), with the program's variable values substituted.
 */
import { JobArtifact } from "./connectionTypes";

/** A parsed HCL block body. */
export type Block = Record<string, unknown>;

/** The single body of a block (hcl2json wraps each in an array). */
export function one(v: unknown): Block {
  const b = Array.isArray(v) ? (v[0] as unknown) : v;
  return (b && typeof b === "object" ? b : {}) as Block;
}

/** Every body of a repeated block (`service { } service { }`). */
export function all(v: unknown): Block[] {
  return (Array.isArray(v) ? v : v ? [v] : []) as Block[];
}

/** Labelled blocks (`group "x" { }`) as [label, body] pairs. */
export function labelled(b: Block, key: string): [string, Block][] {
  const m = (b[key] ?? {}) as Record<string, unknown>;
  return Object.entries(m).map(([k, v]) => [k, one(v)]);
}

/** A scalar attribute as text ("" for a missing one or a block). */
export function text(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return "";
}

/** Substitutes `${var.x}` with the job's variable values (HCL2 evaluates them at parse). */
export function withVars(job: JobArtifact, value: unknown): string {
  return text(value).replace(/\$\{var\.(\w+)\}/g, (_m, k: string) => {
    const v = job.variables[k];
    if (v === undefined) throw new Error(`job ${job.name}: no value for var.${k}`);
    return v;
  });
}

/** The job of this name. */
export function jobNamed(jobs: JobArtifact[], name: string): JobArtifact | undefined {
  return jobs.find((j) => j.name === name);
}

/** A service that joins the mesh, with how. */
export interface MeshService {
  name: string;
  kind: "sidecar" | "gateway";
  service: Block;
}

/** A group's services that join the mesh, with how: sidecar or gateway. */
export function meshServices(group: Block): MeshService[] {
  return all(group.service).flatMap((svc): MeshService[] => {
    const connect = one(svc.connect);
    const name = String(svc.name);
    if (connect.sidecar_service) return [{ name, kind: "sidecar", service: svc }];
    if (connect.gateway) return [{ name, kind: "gateway", service: svc }];
    return [];
  });
}
