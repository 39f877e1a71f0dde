package dev.voiceagent.contracts;

/** A human-readable line about one call, streamed to operators (SSE) through {@link Topics#LOGS}. */
public record LogLine(String level, String message) implements VoiceEvent {
}
