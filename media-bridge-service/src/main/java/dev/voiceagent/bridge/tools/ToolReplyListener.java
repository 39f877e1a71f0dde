package dev.voiceagent.bridge.tools;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventDecodingException;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;

/**
 * Consumes this instance's reply topic ({@code voice.tool.replies.<instance>}, own consumer group) and completes
 * the pending tool call. Idempotent by {@code tool_call_id}: a call completes once, repeats are ignored.
 */
public class ToolReplyListener {

    private static final Logger log = LoggerFactory.getLogger(ToolReplyListener.class);

    private final PendingToolCalls pending;

    public ToolReplyListener(PendingToolCalls pending) {
        this.pending = pending;
    }

    @KafkaListener(id = "#{@bridgeInstance.listenerId()}", topics = "#{@bridgeInstance.replyTopic()}",
            groupId = "#{@bridgeInstance.replyGroup()}")
    void onReply(ConsumerRecord<String, String> record) {
        try {
            EventCodec.decode(record.value())
                    .filter(e -> e.data() instanceof ToolCompleted)
                    .map(e -> (ToolCompleted) e.data())
                    .ifPresent(this::deliver);
        } catch (EventDecodingException e) {
            log.warn("skipping undecodable tool reply at offset {}: {}", record.offset(), e.getMessage());
        }
    }

    private void deliver(ToolCompleted reply) {
        if (!pending.complete(reply)) {
            log.debug("no session waits for tool call {} (late or duplicate reply)", reply.toolCallId());
        }
    }
}
