package dev.voiceagent.contracts;

import java.time.Instant;

/** Work for a human: call the caller back. Published by the tool executor on {@link Topics#CALLBACKS}. */
public record CallbackRequested(String callbackId, String reason, String priority, String callerNumber,
                                Instant preferredTime, String toolCallId) implements VoiceEvent {
}
