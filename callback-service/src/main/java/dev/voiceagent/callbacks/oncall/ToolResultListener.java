package dev.voiceagent.callbacks.oncall;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/** Consumes {@link Topics#TOOL_RESULTS} for the answers to on-call alerts; every other tool result is skipped. */
@Component
public class ToolResultListener {

    private final OnCallAlerts alerts;

    public ToolResultListener(OnCallAlerts alerts) {
        this.alerts = alerts;
    }

    @KafkaListener(id = "callback-tool-results", topics = Topics.TOOL_RESULTS)
    public Mono<Void> onResult(ConsumerRecord<String, String> record) {
        // a cheap look before decoding: most results belong to calls' tool use, not to our alerts
        if (record.value() == null || !record.value().contains(OnCallAlerts.TOOL_CALL_PREFIX)) {
            return Mono.empty();
        }
        return EventCodec.decode(record.value())
                .filter(envelope -> envelope.data() instanceof ToolCompleted completed && completed.toolCallId() != null
                        && completed.toolCallId().startsWith(OnCallAlerts.TOOL_CALL_PREFIX))
                .map(envelope -> alerts.answered((ToolCompleted) envelope.data()))
                .orElseGet(Mono::empty);
    }
}
