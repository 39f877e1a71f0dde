package dev.voiceagent.contracts;

/** Events about a phone call as Twilio sees it, published by the gateway on {@link Topics#CALL_EVENTS}. */
public final class CallEvents {

    private CallEvents() {
    }

    /** A call log was opened: an inbound call was answered or an outbound call was queued. */
    public record CallCreated(String direction, String from, String to, String agentKey,
                              String agentVersionId) implements VoiceEvent {
    }

    /** Twilio reported a new call status (already ordered: a late status never goes backwards). */
    public record CallStatusChanged(String status, String previousStatus, Integer durationSeconds)
            implements VoiceEvent {
    }

    /** An inbound call reached a number that routes to no enabled tenant; it got fallback TwiML. */
    public record CallUnroutable(String to, String fromMasked, String reason) implements VoiceEvent {
    }
}
