package dev.voiceagent.evaluation.gate;

import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.LaunchGateEvaluated;
import dev.voiceagent.support.EventPublisher;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Publishes {@code voice.launch_gate.evaluated} for a stored gate evaluation, keyed by tenant (there is no call).
 * The event id is derived from the gate evaluation id, so publishing the same evaluation again is the same event.
 */
@Component
public class GatePublisher {

    private final EventPublisher events;

    public GatePublisher(EventPublisher events) {
        this.events = events;
    }

    public Mono<Void> publish(String tenantId, GateEvaluation evaluation) {
        return events.publish(new EventEnvelope<>(eventId(evaluation.id()), EventType.LAUNCH_GATE_EVALUATED,
                events.source(), evaluation.evaluatedAt(), tenantId, null, EventEnvelope.SCHEMA_VERSION,
                event(evaluation)));
    }

    /** The envelope id of a gate evaluation's event: a name-based UUID, the same on every publish. */
    public static String eventId(String gateEvaluationId) {
        return UUID.nameUUIDFromBytes((EventType.LAUNCH_GATE_EVALUATED.wireName() + ":" + gateEvaluationId)
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    static LaunchGateEvaluated event(GateEvaluation evaluation) {
        var stats = evaluation.stats();
        return new LaunchGateEvaluated(evaluation.id(), evaluation.agentKey(), evaluation.agentVersionId(),
                evaluation.gate().name(), evaluation.passed(), evaluation.evaluatedAt(), evaluation.from(),
                evaluation.to(), Boolean.TRUE.equals(evaluation.gate().syntheticOnly()),
                evaluation.criteria().stream().map(GatePublisher::criterion).toList(),
                new LaunchGateEvaluated.Stats(stats.count(), stats.passRate(), stats.meanScore(),
                        stats.p95TimeToFirstAudioMs(), stats.policyViolations()));
    }

    private static LaunchGateEvaluated.Criterion criterion(LaunchGate.CriterionResult result) {
        return new LaunchGateEvaluated.Criterion(result.name(), result.passed(), text(result.required()),
                text(result.actual()), result.reason());
    }

    private static String text(Object value) {
        return value == null ? null : String.valueOf(value);
    }
}
