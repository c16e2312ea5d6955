/**
 * One Consul + Nomad datacenter on GCP, peered with the datacenters named in config.
 * Config in, components composed, outputs out; nothing else lives here.
 */
import { loadConfig } from "./components/config";

export = async () => {
  // Validated before any resource exists: bad input fails here with every problem listed.
  const cfg = loadConfig();
  return {
    datacenter: cfg.datacenter,
  };
};
