package dev.voiceagent.callbacks.intake;

import dev.voiceagent.callbacks.reconcile.CallLogReconciler;
import dev.voiceagent.contracts.CallbackRequested;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.Outcome;
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

/**
 * Consumes {@link Topics#CALLBACKS} ({@code voice.callback.requested}) and {@link Topics#OUTCOMES}
 * ({@code callback_created} outcomes) into tasks. Unknown types and tenant-less events are skipped;
 * undecodable records go to the dead-letter topic.
 */
@Component
public class CallbackIntakeListener {

    private static final Logger log = LoggerFactory.getLogger(CallbackIntakeListener.class);

    private final TaskOpener opener;
    private final CallLogReconciler reconciler;

    public CallbackIntakeListener(TaskOpener opener, CallLogReconciler reconciler) {
        this.opener = opener;
        this.reconciler = reconciler;
    }

    @KafkaListener(id = "callback-requests", topics = Topics.CALLBACKS)
    public Mono<Void> onCallbackRequested(ConsumerRecord<String, String> record) {
        Optional<EventEnvelope<VoiceEvent>> envelope = decode(record);
        if (envelope.isPresent() && envelope.get().data() instanceof CallbackRequested request
                && request.callbackId() != null && !request.callbackId().isBlank()) {
            return opener.fromRequest(envelope.get(), request);
        }
        return Mono.empty();
    }

    /**
     * Every outcome is noted for reconciliation (a late one closes the call's {@code unknown_outcome} task) and
     * reported to the tenant's webhook ({@code voice.call.completed}, once per call); a {@code callback_created} one
     * also opens a task, or takes that {@code unknown_outcome} task over.
     */
    @KafkaListener(id = "callback-outcomes", topics = Topics.OUTCOMES)
    public Mono<Void> onOutcome(ConsumerRecord<String, String> record) {
        Optional<EventEnvelope<VoiceEvent>> envelope = decode(record);
        if (envelope.isEmpty() || !(envelope.get().data() instanceof SessionOutcome outcome)
                || outcome.outcome() == null || envelope.get().callSid() == null) {
            return Mono.empty();
        }
        Mono<Void> noted = reconciler.onOutcome(envelope.get(), outcome);
        return outcome.outcome() == Outcome.CALLBACK_CREATED
                ? noted.then(opener.fromOutcome(envelope.get(), outcome)) : noted;
    }

    private static Optional<EventEnvelope<VoiceEvent>> decode(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return Optional.empty();
        }
        Optional<EventEnvelope<VoiceEvent>> envelope = EventCodec.decode(record.value());
        if (envelope.isEmpty() || envelope.get().tenantId() == null) {
            log.debug("skipping {} at offset {}: unknown type or no tenant", record.topic(), record.offset());
            return Optional.empty();
        }
        return envelope;
    }
}
