package dev.voiceagent.config.prompt;

import java.time.Instant;

/** One immutable version of a named prompt. */
public record PromptVersion(String key, int version, String text, Instant createdAt) {
}
