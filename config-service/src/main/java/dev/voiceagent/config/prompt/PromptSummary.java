package dev.voiceagent.config.prompt;

import java.time.Instant;

/** A named prompt in the library: its latest version and when that was written. */
public record PromptSummary(String key, int latestVersion, Instant updatedAt) {
}
