package dev.voiceagent.config.agent;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.LaunchGateEvaluated;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.contracts.VoiceEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Consumes {@link Topics#EVALUATIONS} and records each {@code voice.launch_gate.evaluated} as the version's latest
 * launch gate result (audited as {@code evaluation-service}); session scores and unknown types are skipped.
 */
@Component
public class LaunchGateListener {

    private static final Logger log = LoggerFactory.getLogger(LaunchGateListener.class);

    private final GateResults results;

    public LaunchGateListener(GateResults results) {
        this.results = results;
    }

    @KafkaListener(id = "${spring.application.name}-launch-gates", groupId = "${spring.application.name}",
            topics = Topics.EVALUATIONS)
    public Mono<Void> onEvaluation(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return Mono.empty();
        }
        return EventCodec.decode(record.value())
                .filter(envelope -> envelope.data() instanceof LaunchGateEvaluated)
                .map(this::record)
                .orElseGet(Mono::empty);
    }

    private Mono<Void> record(EventEnvelope<VoiceEvent> envelope) {
        LaunchGateEvaluated event = (LaunchGateEvaluated) envelope.data();
        if (envelope.tenantId() == null || event.gateEvaluationId() == null || event.agentKey() == null
                || event.agentVersionId() == null) {
            log.warn("launch gate event {} lacks tenant, gate evaluation id, agent or version; skipped",
                    envelope.id());
            return Mono.empty();
        }
        return results.recordEvaluated(envelope.tenantId(), event)
                .doOnNext(result -> log.info("launch gate of {} recorded from {}: {}", event.agentVersionId(),
                        event.gateEvaluationId(), result.passed() ? "pass" : "fail"))
                .then();
    }
}
