package dev.voiceagent.tools.execution;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.VoiceEvent;
import dev.voiceagent.support.PhoneNumbers;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Consumes {@link Topics#TOOL_REQUESTS}. Unknown event types are skipped; an undecodable record fails at once
 * and the platform error handler parks it on the dead-letter topic; the record is acknowledged when the result
 * has been stored and sent. The records of one poll are handed over without waiting for each other (the consumer
 * pauses before the next poll until they are all acknowledged), so copies of one tool call fetched together are in
 * progress at once, as are copies on two instances after a rebalance: {@link ToolCallProcessor} runs each tool call
 * once.
 */
@Component
public class ToolRequestListener {

    private static final Logger log = LoggerFactory.getLogger(ToolRequestListener.class);

    private final ToolCallProcessor processor;

    public ToolRequestListener(ToolCallProcessor processor) {
        this.processor = processor;
    }

    @KafkaListener(id = "tool-requests", topics = Topics.TOOL_REQUESTS)
    public Mono<Void> onRequest(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return Mono.empty();
        }
        Optional<EventEnvelope<VoiceEvent>> envelope = EventCodec.decode(record.value());
        if (envelope.isEmpty() || !(envelope.get().data() instanceof ToolRequested request)) {
            log.debug("skipping {} at offset {}: not a tool request", record.topic(), record.offset());
            return Mono.empty();
        }
        if (envelope.get().tenantId() == null || request.toolCallId() == null || request.toolCallId().isBlank()) {
            log.warn("skipping tool request {}: no tenant or tool_call_id", envelope.get().id());
            return Mono.empty();
        }
        log.info("tool request {} {} for call {} (caller {})", request.toolCallId(), request.tool(),
                envelope.get().callSid(), PhoneNumbers.mask(request.callerNumber()));
        return processor.process(new ToolCall(envelope.get().tenantId(), envelope.get().callSid(), request,
                envelope.get().source(), envelope.get().time()));
    }
}
