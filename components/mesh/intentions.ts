/**
 * Service intentions, aggregated per destination: Consul keeps one service-intentions entry
 * per destination, so every source (local, peer or sameness group) for a destination must
 * live in one resource, or two resources would overwrite each other.
 */
import { API_GATEWAY, SERVICES } from "./configEntries";

/** One allowed source (field names as `consul.ConfigEntryServiceIntentions` sources). */
export interface IntentionSource {
  name: string;
  action: "allow" | "deny";
  peer?: string;
  samenessGroup?: string;
}

/** What decides the intentions of a datacenter. */
export interface IntentionsInput {
  /** front-service runs here (and so does the API gateway). */
  localFrontend: boolean;
  /** Peer names whose front-service may call this datacenter's exported backends. */
  consumerPeers: string[];
  /** Sameness-group mode: peers are covered by the group instead of one source each. */
  samenessGroup?: string;
}

/** Destination service -> its sources, sorted for deterministic inputs. */
export function intentions(i: IntentionsInput): Record<string, IntentionSource[]> {
  const out: Record<string, IntentionSource[]> = {};
  if (i.localFrontend) out[SERVICES.frontend] = [{ name: API_GATEWAY.name, action: "allow" }];
  const backendSources: IntentionSource[] = [];
  if (i.localFrontend) backendSources.push({ name: SERVICES.frontend, action: "allow" });
  if (i.samenessGroup && i.consumerPeers.length > 0) {
    backendSources.push({
      name: SERVICES.frontend,
      action: "allow",
      samenessGroup: i.samenessGroup,
    });
  } else {
    for (const peer of [...i.consumerPeers].sort())
      backendSources.push({ name: SERVICES.frontend, action: "allow", peer });
  }
  if (backendSources.length > 0) {
    out[SERVICES.publicApi] = backendSources;
    out[SERVICES.privateApi] = backendSources.map((s) => ({ ...s }));
  }
  return out;
}
