/**
 * A Nomad namespace through the HTTP API (dynamic provider; see nomadJob.ts for why).
 * Name-keyed: a rename replaces it, deleting the old one first. Refresh reads it back: a
 * deleted namespace reads as gone, an edited description as drift.
 */
import * as pulumi from "@pulumi/pulumi";
import { NomadConnection, deleteNamespace, readNamespace, upsertNamespace } from "./nomadApi";
import { NomadConnectionArgs, connectionProps } from "./nomadJob";
import { keyedDiff } from "./dynamicDiff";

/** Provider inputs. */
export interface NomadNamespaceInputs extends NomadConnection {
  name: string;
  description: string;
}

/** The dynamic provider. */
export const nomadNamespaceProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: NomadNamespaceInputs) {
    await upsertNamespace(inputs, inputs.name, inputs.description);
    return { id: inputs.name, outs: inputs };
  },
  /**
   * Refresh: a blank ID tells the engine the namespace is gone (see nomadJob.ts, `read`);
   * otherwise the recorded state with Nomad's description, so an edit made outside this
   * stack shows in the refresh and the next `up` writes it back.
   */
  async read(id: string, props: NomadNamespaceInputs) {
    const live = await readNamespace(props, props.name);
    if (!live) return { id: "" };
    return { id, props: { ...props, description: live.Description ?? "" } };
  },
  async diff(_id: string, olds: NomadNamespaceInputs, news: NomadNamespaceInputs) {
    return keyedDiff(olds, news, ["name"]);
  },
  async update(_id: string, _olds: NomadNamespaceInputs, news: NomadNamespaceInputs) {
    await upsertNamespace(news, news.name, news.description);
    return { outs: news };
  },
  async delete(_id: string, props: NomadNamespaceInputs) {
    await deleteNamespace(props, props.name);
  },
};

/** Arguments of {@link NomadNamespace}. */
export interface NomadNamespaceArgs {
  connection: NomadConnectionArgs;
  name: string;
  description: string;
}

/** A Nomad namespace. */
export class NomadNamespace extends pulumi.dynamic.Resource {
  declare public readonly name: pulumi.Output<string>;

  constructor(name: string, args: NomadNamespaceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      nomadNamespaceProvider,
      name,
      {
        ...connectionProps(args.connection),
        name: args.name,
        description: args.description,
      },
      { ...opts, deleteBeforeReplace: true, additionalSecretOutputs: ["token"] },
      "hashistack",
      "NomadNamespace",
    );
  }
}
