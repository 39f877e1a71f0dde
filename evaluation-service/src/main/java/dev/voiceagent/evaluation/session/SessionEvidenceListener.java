package dev.voiceagent.evaluation.session;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.SessionEvents.SessionStateChanged;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.TranscriptTurn;
import dev.voiceagent.contracts.VoiceEvent;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Consumes {@link Topics#TRANSCRIPTS}, {@link Topics#TOOL_RESULTS} and {@link Topics#SESSION_EVENTS} (state changes)
 * into per-call evidence. Unknown types are
 * skipped, records without a call SID too; undecodable records go to the dead-letter topic.
 */
@Component
public class SessionEvidenceListener {

    private static final Logger log = LoggerFactory.getLogger(SessionEvidenceListener.class);

    private final EvidenceRepository evidence;

    public SessionEvidenceListener(EvidenceRepository evidence) {
        this.evidence = evidence;
    }

    @KafkaListener(id = "evaluation-transcripts", topics = Topics.TRANSCRIPTS)
    public Mono<Void> onTranscript(ConsumerRecord<String, String> record) {
        Optional<EventEnvelope<VoiceEvent>> envelope = decode(record);
        if (envelope.isPresent() && envelope.get().data() instanceof TranscriptTurn turn) {
            return evidence.saveTurn(envelope.get(), turn).then();
        }
        return Mono.empty();
    }

    @KafkaListener(id = "evaluation-tool-results", topics = Topics.TOOL_RESULTS)
    public Mono<Void> onToolResult(ConsumerRecord<String, String> record) {
        Optional<EventEnvelope<VoiceEvent>> envelope = decode(record);
        if (envelope.isPresent() && envelope.get().data() instanceof ToolCompleted result
                && result.toolCallId() != null) {
            return evidence.saveToolResult(envelope.get(), result).then();
        }
        return Mono.empty();
    }

    /** The agent's tracked state (consent, identity, intent): the latest value per key is evidence for rules-v2. */
    @KafkaListener(id = "evaluation-session-events", topics = Topics.SESSION_EVENTS)
    public Mono<Void> onSessionEvent(ConsumerRecord<String, String> record) {
        Optional<EventEnvelope<VoiceEvent>> envelope = decode(record);
        if (envelope.isPresent() && envelope.get().data() instanceof SessionStateChanged changed
                && changed.state() != null) {
            return evidence.saveState(envelope.get(), changed.state()).then();
        }
        return Mono.empty();
    }

    private static Optional<EventEnvelope<VoiceEvent>> decode(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return Optional.empty();
        }
        Optional<EventEnvelope<VoiceEvent>> envelope = EventCodec.decode(record.value());
        if (envelope.isEmpty() || envelope.get().callSid() == null) {
            log.debug("skipping {} at offset {}: unknown type or no call SID", record.topic(), record.offset());
            return Optional.empty();
        }
        return envelope;
    }
}
