package dev.voiceagent.tools.execution;

import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.tools.execution.ToolCallRepository.StoredToolCall;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Sends one {@code voice.tool.completed} envelope (the stored event id, so consumers deduplicate resends) to the
 * asking bridge's reply topic and to {@link Topics#TOOL_RESULTS}.
 */
@Component
public class ToolResultPublisher {

    private static final Logger log = LoggerFactory.getLogger(ToolResultPublisher.class);

    private final EventPublisher events;

    public ToolResultPublisher(EventPublisher events) {
        this.events = events;
    }

    public Mono<Void> publish(StoredToolCall call, String replyTopic) {
        ToolCompleted completed = new ToolCompleted(call.toolCallId(), call.tool(), call.result().status(),
                call.result().output(), call.result().reason(), call.latencyMs());
        EventEnvelope<ToolCompleted> envelope = new EventEnvelope<>(call.eventId(), EventType.TOOL_COMPLETED,
                events.source(), Instant.now(), call.tenantId(), call.callSid(), EventEnvelope.SCHEMA_VERSION,
                completed);
        Mono<Void> results = events.publish(envelope);
        if (!isReplyTopic(replyTopic)) {
            if (replyTopic != null) {
                log.warn("tool call {} names reply topic '{}' outside {}*; result goes to {} only",
                        call.toolCallId(), replyTopic, Topics.TOOL_REPLIES_PREFIX, Topics.TOOL_RESULTS);
            }
            return results;
        }
        // both sends run at once: the bridge's reply is on the caller's critical path
        return Mono.when(events.send(replyTopic, envelope), results);
    }

    /** Only per-instance reply topics are accepted, so a request cannot make us write into another topic. */
    static boolean isReplyTopic(String topic) {
        return topic != null && topic.startsWith(Topics.TOOL_REPLIES_PREFIX)
                && topic.length() > Topics.TOOL_REPLIES_PREFIX.length()
                && topic.matches("[A-Za-z0-9._-]+");
    }
}
