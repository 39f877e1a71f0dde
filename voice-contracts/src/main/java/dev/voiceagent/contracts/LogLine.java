package dev.voiceagent.contracts;

/** A human-readable line about one call, streamed to operators (SSE) through {@link Topics#LOGS}. */
public record LogLine(String level, String message) implements VoiceEvent {

    /** The levels a line carries. */
    public static final String INFO = "info";
    public static final String WARN = "warn";
}
