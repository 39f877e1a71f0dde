package dev.voiceagent.config.runtime;

import java.time.Instant;
import java.util.Map;

/** A tenant's runtime config as the admin API shows it, with the prompt version it currently resolves to. */
public record RuntimeConfigView(String model, String voice, String systemPromptKey, String webhookUrl,
                                String onCallNumber, String language, String greeting, Map<String, Integer> limits,
                                Integer promptVersion, Instant updatedAt) {
}
