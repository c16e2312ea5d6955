/**
 * A Nomad namespace through the HTTP API (dynamic provider; see nomadJob.ts for why).
 * Name-keyed: a rename replaces it, deleting the old one first. Refresh reads it back: a
 * deleted namespace reads as gone, an edited description as drift.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  NomadConnection,
  READ_CALL,
  deleteNamespace,
  readNamespace,
  refreshFailure,
  upsertNamespace,
} from "./nomadApi";
import { NomadConnectionArgs, connectionProps } from "./nomadJob";
import { REVISION_KEY, keyedDiff, revisionBehind, revisionNote } from "./dynamicDiff";
import { previewNote } from "./dynamicResult";

/**
 * Revision of this provider's code as recorded state sees it (see `REVISION_KEY` in
 * dynamicDiff.ts): bump it whenever `read` or `delete` change meaning.
 * 1: refresh reads the namespace back (gone, or its description), with the short read policy.
 */
export const NOMAD_NAMESPACE_PROVIDER_REVISION = 1;

/** Provider inputs. */
export interface NomadNamespaceInputs extends NomadConnection {
  name: string;
  description: string;
}

/** Provider outputs: the inputs and the revision of the code that wrote them. */
export interface NomadNamespaceOutputs extends NomadNamespaceInputs {
  providerRevision: number;
}

const outputsOf = (inputs: NomadNamespaceInputs): NomadNamespaceOutputs => ({
  ...inputs,
  providerRevision: NOMAD_NAMESPACE_PROVIDER_REVISION,
});

/** The dynamic provider. */
export const nomadNamespaceProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: NomadNamespaceInputs) {
    await upsertNamespace(inputs, inputs.name, inputs.description);
    return { id: inputs.name, outs: outputsOf(inputs) };
  },
  /**
   * Refresh: a blank ID tells the engine the namespace is gone (see nomadJob.ts, `read`);
   * otherwise the recorded state with Nomad's description, so an edit made outside this
   * stack shows in the refresh and the next `up` writes it back. A cluster that does not
   * answer fails within ~30 s (READ_CALL).
   */
  async read(id: string, props: NomadNamespaceOutputs) {
    try {
      const live = await readNamespace(props, props.name, READ_CALL);
      if (!live) return { id: "" };
      return { id, props: { ...props, description: live.Description ?? "" } };
    } catch (e) {
      throw refreshFailure(`Nomad namespace ${id}`, props.address, e);
    }
  },
  async diff(id: string, olds: NomadNamespaceOutputs, news: NomadNamespaceInputs) {
    const result = keyedDiff(olds, news, ["name"]);
    if (!revisionBehind(olds, NOMAD_NAMESPACE_PROVIDER_REVISION)) return result;
    previewNote(
      `hashistack:NomadNamespace ${id}`,
      revisionNote(olds, NOMAD_NAMESPACE_PROVIDER_REVISION),
    );
    return { ...result, changes: true };
  },
  /** An upsert: idempotent, so a revision-only update may write the same namespace again. */
  async update(_id: string, _olds: NomadNamespaceOutputs, news: NomadNamespaceInputs) {
    await upsertNamespace(news, news.name, news.description);
    return { outs: outputsOf(news) };
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
  /** Revision of the provider code that wrote this state. */
  declare public readonly providerRevision: pulumi.Output<number>;

  constructor(name: string, args: NomadNamespaceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      nomadNamespaceProvider,
      name,
      {
        ...connectionProps(args.connection),
        name: args.name,
        description: args.description,
        [REVISION_KEY]: undefined,
      },
      { ...opts, deleteBeforeReplace: true, additionalSecretOutputs: ["token"] },
      "hashistack",
      "NomadNamespace",
    );
  }
}
