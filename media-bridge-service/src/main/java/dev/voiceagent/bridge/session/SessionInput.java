package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.realtime.RealtimeServerEvent;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;

/**
 * Everything that can happen to a session, serialized into one lane so its state has one writer at a time. Model
 * inputs carry the generation of the model connection they came from: after a reconnect, late events of the old
 * connection are recognised and dropped.
 */
sealed interface SessionInput {

    /** A decoded Twilio message and the {@link System#nanoTime()} it was received at (relay latency). */
    record FromTwilio(TwilioStreamMessage message, long receivedNanos) implements SessionInput {
    }

    record TwilioClosed() implements SessionInput {
    }

    /** A model event, its connection's generation and the {@link System#nanoTime()} it was received at. */
    record FromModel(int generation, RealtimeServerEvent event, long receivedNanos) implements SessionInput {
    }

    record ModelClosed(int generation) implements SessionInput {
    }

    record ModelFailed(int generation, Throwable error) implements SessionInput {
    }

    record ToolReplied(ToolCompleted reply) implements SessionInput {
    }

    record ToolSlow(String toolCallId) implements SessionInput {
    }

    record ToolTimedOut(String toolCallId) implements SessionInput {
    }

    record StartTimedOut() implements SessionInput {
    }

    /** The session's watchdog: stalls, the model's session limit, idle callers. */
    record Tick() implements SessionInput {
    }

    /** The call has lasted its maximum duration ({@link SessionLimits#maxCallDuration()}): it ends with a goodbye. */
    record CallDurationReached() implements SessionInput {
    }

    /** A successful hand-over had its time to take the call away; end the session. */
    record HandoverDone() implements SessionInput {
    }

    /** A transfer the tool executor could not confirm had its time to stop the stream, and did not. */
    record UnconfirmedTransferLapsed() implements SessionInput {
    }

    /** The fallback clip has played to its end: an end that waited for it comes now. */
    record FallbackPlayed() implements SessionInput {
    }
}
