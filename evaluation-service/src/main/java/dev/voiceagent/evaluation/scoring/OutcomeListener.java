package dev.voiceagent.evaluation.scoring;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.VoiceEvent;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/** Consumes {@link Topics#OUTCOMES} and scores each finished session (idempotent by call SID). */
@Component
public class OutcomeListener {

    private static final Logger log = LoggerFactory.getLogger(OutcomeListener.class);

    private final SessionScorer scorer;

    public OutcomeListener(SessionScorer scorer) {
        this.scorer = scorer;
    }

    @KafkaListener(id = "evaluation-outcomes", topics = Topics.OUTCOMES)
    public Mono<Void> onOutcome(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return Mono.empty();
        }
        Optional<EventEnvelope<VoiceEvent>> envelope = EventCodec.decode(record.value());
        if (envelope.isEmpty() || !(envelope.get().data() instanceof SessionOutcome outcome)) {
            log.debug("skipping {} at offset {}: not a session outcome", record.topic(), record.offset());
            return Mono.empty();
        }
        if (envelope.get().callSid() == null || envelope.get().tenantId() == null || outcome.outcome() == null) {
            log.warn("skipping outcome {}: no call SID, tenant or outcome", envelope.get().id());
            return Mono.empty();
        }
        return scorer.onOutcome(envelope.get(), outcome);
    }
}
