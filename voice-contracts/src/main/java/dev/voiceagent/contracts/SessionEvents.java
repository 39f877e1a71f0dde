package dev.voiceagent.contracts;

import java.util.Map;

/** Events about a live voice session, published by the media bridge on {@link Topics#SESSION_EVENTS}. */
public final class SessionEvents {

    private SessionEvents() {
    }

    /** The media stream was accepted and the model session configured. */
    public record SessionStarted(String streamSid, String agentVersionId, String model, String voice,
                                 String bridgeInstance) implements VoiceEvent {
    }

    /**
     * The agent's tracked state changed. Keys follow the agent contract's session fields:
     * caller_identity, route, language, intent, consent_state, account_context, current_task.
     */
    public record SessionStateChanged(Map<String, Object> state) implements VoiceEvent {
    }

    /** The caller spoke over the agent; playback was cleared and the model item truncated at what was heard. */
    public record BargeIn(String itemId, long audioEndMs) implements VoiceEvent {
    }

    /** The media stream ended (caller hung up, transfer, or failure). */
    public record SessionEnded(String reason, long durationMs) implements VoiceEvent {
    }
}
