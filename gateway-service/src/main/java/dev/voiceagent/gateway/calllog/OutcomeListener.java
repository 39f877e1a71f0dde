package dev.voiceagent.gateway.calllog;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.VoiceEvent;
import dev.voiceagent.support.ProcessedEvents;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/** Stores each session's outcome on its call log, once per event id (redeliveries have no second effect). */
@Component
public class OutcomeListener {

    static final String CONSUMER = "gateway-call-log-outcome";
    private static final Logger log = LoggerFactory.getLogger(OutcomeListener.class);

    private final ProcessedEvents processed;
    private final CallLogRepository calls;

    public OutcomeListener(ProcessedEvents processed, CallLogRepository calls) {
        this.processed = processed;
        this.calls = calls;
    }

    @KafkaListener(id = "${spring.application.name}-outcomes", topics = Topics.OUTCOMES)
    public Mono<Void> onOutcome(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return Mono.empty();
        }
        return EventCodec.decode(record.value())
                .filter(envelope -> envelope.data() instanceof SessionOutcome)
                .map(this::store)
                .orElseGet(Mono::empty);
    }

    private Mono<Void> store(EventEnvelope<VoiceEvent> envelope) {
        if (envelope.callSid() == null) {
            log.warn("outcome event {} has no call SID; skipped", envelope.id());
            return Mono.empty();
        }
        SessionOutcome outcome = (SessionOutcome) envelope.data();
        // only the tenant the event names: an outcome naming another tenant must never touch this call's log
        Mono<Long> effect = calls.applyOutcome(envelope.tenantId(), envelope.callSid(), outcome)
                .flatMap(rows -> rows > 0 ? Mono.just(rows) : unapplied(envelope));
        return processed.once(CONSUMER, envelope.id(), effect).then();
    }

    /** No call of the named tenant: another tenant's call is skipped for good, an unknown one retried. */
    private Mono<Long> unapplied(EventEnvelope<VoiceEvent> envelope) {
        return calls.findByCallSid(envelope.callSid())
                .flatMap(other -> {
                    log.warn("outcome event {} names tenant {} but call {} belongs to another tenant; skipped",
                            envelope.id(), envelope.tenantId(), envelope.callSid());
                    return Mono.just(0L);
                })
                .switchIfEmpty(Mono.error(() -> new UnknownCallException(envelope.callSid())));
    }

    /** The outcome arrived before its call log; the error handler retries with back-off, then dead-letters it. */
    static final class UnknownCallException extends RuntimeException {
        UnknownCallException(String callSid) {
            super("no call log for " + callSid + " yet");
        }
    }
}
