package dev.voiceagent.callbacks.reconcile;

import dev.voiceagent.contracts.CallEvents.CallCreated;
import dev.voiceagent.contracts.CallEvents.CallStatusChanged;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.VoiceEvent;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Consumes {@link Topics#CALL_EVENTS} ({@code voice.call.created}, {@code voice.call.status_changed}) for
 * reconciliation; other types, and events without tenant or call SID, are skipped.
 */
@Component
public class CallLogListener {

    private final CallLogReconciler reconciler;

    public CallLogListener(CallLogReconciler reconciler) {
        this.reconciler = reconciler;
    }

    @KafkaListener(id = "callback-call-events", topics = Topics.CALL_EVENTS)
    public Mono<Void> onCallEvent(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return Mono.empty();
        }
        Optional<EventEnvelope<VoiceEvent>> decoded = EventCodec.decode(record.value());
        if (decoded.isEmpty() || decoded.get().tenantId() == null || decoded.get().callSid() == null) {
            return Mono.empty();
        }
        EventEnvelope<VoiceEvent> envelope = decoded.get();
        if (envelope.data() instanceof CallCreated created) {
            return reconciler.onCreated(envelope, created);
        }
        if (envelope.data() instanceof CallStatusChanged changed && changed.status() != null) {
            return reconciler.onStatus(envelope, changed);
        }
        return Mono.empty();
    }
}
