package dev.voiceagent.evaluation.scoring;

import dev.voiceagent.contracts.EvaluationCompleted;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.EventType;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.support.EventPublisher;
import java.time.Instant;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/** Publishes {@code voice.evaluation.completed} with the stored event id, so a resend is deduplicable. */
@Component
public class EvaluationPublisher {

    private final EventPublisher events;

    public EvaluationPublisher(EventPublisher events) {
        this.events = events;
    }

    public Mono<Void> publish(StoredEvaluation stored) {
        EvaluationCompleted completed = new EvaluationCompleted(stored.evaluationId(), stored.agentVersionId(),
                Outcome.fromWire(stored.outcome()), stored.scorecard().score(), stored.scorecard().passed(),
                stored.scorecard().scoresByName());
        return events.publish(new EventEnvelope<>(stored.eventId(), EventType.EVALUATION_COMPLETED, events.source(),
                Instant.now(), stored.tenantId(), stored.callSid(), EventEnvelope.SCHEMA_VERSION, completed));
    }
}
