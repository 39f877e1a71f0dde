package dev.voiceagent.evaluation.scoring;

import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.evaluation.rubric.Rubric;
import dev.voiceagent.evaluation.rubric.Scorecard;
import dev.voiceagent.evaluation.rubric.SessionEvidence;
import dev.voiceagent.evaluation.session.EvidenceRepository;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Scores a finished session once: the first outcome of a call is scored with the evidence stored so far and
 * stored; the completion event goes out until it has been published once (so a crash between store and send is
 * repaired by the redelivered outcome, and a second outcome never creates a second evaluation).
 */
@Component
public class SessionScorer {

    private static final Logger log = LoggerFactory.getLogger(SessionScorer.class);

    private final EvidenceRepository evidence;
    private final EvaluationRepository evaluations;
    private final EvaluationPublisher publisher;
    private final Rubric rubric;

    public SessionScorer(EvidenceRepository evidence, EvaluationRepository evaluations,
                         EvaluationPublisher publisher, Rubric rubric) {
        this.evidence = evidence;
        this.evaluations = evaluations;
        this.publisher = publisher;
        this.rubric = rubric;
    }

    public Mono<Void> onOutcome(EventEnvelope<?> envelope, SessionOutcome outcome) {
        return evaluations.findByCallSid(envelope.callSid())
                .switchIfEmpty(Mono.defer(() -> score(envelope, outcome)))
                .filter(stored -> stored.publishedAt() == null)
                .flatMap(stored -> publisher.publish(stored).then(evaluations.markPublished(stored.evaluationId())))
                .then();
    }

    private Mono<StoredEvaluation> score(EventEnvelope<?> envelope, SessionOutcome outcome) {
        String callSid = envelope.callSid();
        return Mono.zip(evidence.turns(callSid).collectList(), evidence.toolResults(callSid).collectList())
                .map(found -> rubric.score(new SessionEvidence(outcome, found.getT1(), found.getT2())))
                .doOnNext(card -> log.info("call {} scored {} ({}) by {}", callSid, card.score(),
                        card.passed() ? "pass" : "fail", card.rubricVersion()))
                .map(card -> toStored(envelope, outcome, card))
                .flatMap(evaluations::insertFirst);
    }

    private static StoredEvaluation toStored(EventEnvelope<?> envelope, SessionOutcome outcome, Scorecard card) {
        String evaluationId = "ev_" + deterministic("evaluation:" + envelope.callSid()).replace("-", "");
        return new StoredEvaluation(evaluationId, envelope.tenantId(), envelope.callSid(), outcome.agentVersionId(),
                outcome.outcome().wire(), outcome.intent(), card, deterministic("event:" + evaluationId), null, null);
    }

    private static String deterministic(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
