/** The agent config input the startup-script and boot tests render from. */
import { AgentConfigInput } from "../../components/cluster/agentConfig";

/** dc1's agents: three servers found by tag, OSS Consul and Nomad; `over` changes fields. */
export function testAgent(over: Partial<AgentConfigInput> = {}): AgentConfigInput {
  return {
    datacenter: "dc1",
    project: "my-project-1",
    region: "europe-west1",
    joinTag: "dc1-server",
    serverCount: 3,
    consulEnterprise: false,
    nomadEnterprise: false,
    nomadBridgeCidr: "172.26.64.0/20",
    ...over,
  };
}
