package dev.voiceagent.gateway.logstream;

import dev.voiceagent.contracts.CallEvents.CallStatusChanged;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventDecodingException;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.LogLine;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.VoiceEvent;
import dev.voiceagent.gateway.calllog.CallStatus;
import dev.voiceagent.support.EventPublisher;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;

/**
 * Feeds this instance's live log streams from the topics: every {@code voice.logs.v1} line (from any service or
 * gateway instance) and the end of each call ({@code voice.call.status_changed} to a terminal status). Every
 * instance must see every line, so the consumer group is unique per instance and starts at the latest offset;
 * lines are best effort (a bad record is skipped, never retried or dead-lettered).
 */
public class LogLineListener {

    private static final Logger log = LoggerFactory.getLogger(LogLineListener.class);

    private final CallLogStreams streams;
    private final CallLogLines own;

    public LogLineListener(CallLogStreams streams, CallLogLines own) {
        this.streams = streams;
        this.own = own;
    }

    @KafkaListener(id = "${spring.application.name}-log-streams", idIsGroup = false,
            groupId = "${spring.application.name}-log-streams-#{T(java.util.UUID).randomUUID()}",
            topics = {Topics.LOGS, Topics.CALL_EVENTS}, containerFactory = "logStreamListenerFactory",
            properties = {"auto.offset.reset=latest", "enable.auto.commit=false"})
    @SuppressWarnings("unchecked")
    public void onRecord(ConsumerRecord<String, String> record) {
        if (record.value() == null || unwatched(record)) {
            return;
        }
        try {
            EventCodec.decode(record.value()).ifPresent(this::dispatch);
        } catch (EventDecodingException e) {
            log.debug("skipping an undecodable record on {}: {}", record.topic(), e.getMessage());
        }
    }

    /**
     * Every instance reads every line and call event of the platform, but only a few calls are watched: records
     * naming an unwatched call in their header are dropped before they are decoded.
     */
    private boolean unwatched(ConsumerRecord<String, String> record) {
        Header header = record.headers().lastHeader(EventPublisher.CALL_SID_HEADER);
        return header != null && !streams.watched(new String(header.value(), StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    private void dispatch(EventEnvelope<VoiceEvent> envelope) {
        if (envelope.callSid() == null) {
            return;
        }
        if (envelope.data() instanceof LogLine && !own.isOwn(envelope.id())) {
            streams.publish((EventEnvelope<LogLine>) (EventEnvelope<?>) envelope);
        } else if (envelope.data() instanceof CallStatusChanged changed
                && CallStatus.fromWire(changed.status()).map(CallStatus::terminal).orElse(false)) {
            streams.complete(envelope.callSid());
        }
    }
}
