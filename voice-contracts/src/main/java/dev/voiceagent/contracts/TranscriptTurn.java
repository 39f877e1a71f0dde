package dev.voiceagent.contracts;

/** One finished utterance, by the caller or the agent, on {@link Topics#TRANSCRIPTS}. */
public record TranscriptTurn(String role, String text, String itemId, int turnIndex, long offsetMs)
        implements VoiceEvent {

    public static final String CALLER = "caller";
    public static final String AGENT = "agent";
}
