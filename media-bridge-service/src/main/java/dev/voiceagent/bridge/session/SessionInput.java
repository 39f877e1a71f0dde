package dev.voiceagent.bridge.session;

import dev.voiceagent.bridge.realtime.RealtimeServerEvent;
import dev.voiceagent.bridge.twilio.TwilioStreamMessage;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;

/** Everything that can happen to a session, serialized into one lane so its state has one writer at a time. */
sealed interface SessionInput {

    record FromTwilio(TwilioStreamMessage message) implements SessionInput {
    }

    record TwilioClosed() implements SessionInput {
    }

    record FromModel(RealtimeServerEvent event) implements SessionInput {
    }

    record ModelClosed() implements SessionInput {
    }

    record ModelFailed(Throwable error) implements SessionInput {
    }

    record ToolReplied(ToolCompleted reply) implements SessionInput {
    }

    record ToolSlow(String toolCallId) implements SessionInput {
    }

    record ToolTimedOut(String toolCallId) implements SessionInput {
    }

    record StartTimedOut() implements SessionInput {
    }
}
