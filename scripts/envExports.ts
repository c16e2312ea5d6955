/**
 * Shell exports for operating a stack's Consul and Nomad from its outputs (replaces the
 * seed's `eval_vars`, with TLS verification on: the CA goes to a file). Pure, tested.
 */
import { shellQuote } from "../components/cluster/startupScript";

/** The stack outputs this reads. */
export interface StackOutputs {
  consulUrl?: string;
  nomadUrl?: string;
  consulToken?: string;
  nomadToken?: string;
  caCertPem?: string;
}

/** `export` lines for bash/zsh; `caFile` is where the CA certificate was written. */
export function renderExports(stack: string, o: StackOutputs, caFile: string): string {
  const missing = (
    ["consulUrl", "nomadUrl", "consulToken", "nomadToken", "caCertPem"] as const
  ).filter((k) => !o[k]);
  if (missing.length > 0)
    throw new Error(
      `stack ${stack} lacks outputs ${missing.join(", ")}: has it been deployed (pulumi up -s ${stack})?`,
    );
  const lines: [string, string][] = [
    ["CONSUL_HTTP_ADDR", o.consulUrl as string],
    ["CONSUL_CACERT", caFile],
    ["CONSUL_HTTP_TOKEN", o.consulToken as string],
    ["NOMAD_ADDR", o.nomadUrl as string],
    ["NOMAD_CACERT", caFile],
    ["NOMAD_TOKEN", o.nomadToken as string],
  ];
  return `${lines.map(([k, v]) => `export ${k}=${shellQuote(v)}`).join("\n")}\n`;
}
