package dev.voiceagent.config.agent;

import dev.voiceagent.config.runtime.RuntimeConfigView;
import java.time.Instant;

/** An immutable snapshot: the contract, the runtime config and the prompt version an agent version was cut with. */
public record AgentVersion(String agentVersionId, String agentKey, int version, AgentContract contract,
                           RuntimeConfigView runtimeConfig, String promptKey, int promptVersion, String note,
                           Instant createdAt) {
}
