package dev.voiceagent.evaluation.scoring;

import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.TenantConfigPublished.IntentView;
import dev.voiceagent.contracts.TenantConfigPublished.VersionView;
import dev.voiceagent.evaluation.judge.JudgeClient;
import dev.voiceagent.evaluation.rubric.Rubric;
import dev.voiceagent.evaluation.rubric.Scorecard;
import dev.voiceagent.evaluation.rubric.SessionEvidence;
import dev.voiceagent.evaluation.rubric.SessionEvidence.Contract;
import dev.voiceagent.evaluation.session.EvidenceRepository;
import dev.voiceagent.evaluation.synthetic.SyntheticRepository;
import dev.voiceagent.support.tenant.TenantDirectory;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Scores a finished session once: the first outcome of a call waits (without blocking, at most
 * {@code voice.evaluation.evidence-wait}) until the evidence it announces has been stored by the other listeners,
 * is scored and stored, with a note when the wait ran out first; the completion event goes out until it has been
 * published once (so a crash between store and send is repaired by the redelivered outcome, and a second outcome
 * never creates a second evaluation). Then the result is handed to a synthetic run that placed the call, and the
 * optional model judge is asked once.
 */
@Component
public class SessionScorer {

    private static final Logger log = LoggerFactory.getLogger(SessionScorer.class);

    private final EvidenceRepository evidence;
    private final EvaluationRepository evaluations;
    private final EvaluationPublisher publisher;
    private final Rubric rubric;
    private final TenantDirectory directory;
    private final JudgeClient judge;
    private final SyntheticRepository synthetic;
    private final MeterRegistry meters;
    private final EvidenceProperties wait;

    public SessionScorer(EvidenceRepository evidence, EvaluationRepository evaluations,
                         EvaluationPublisher publisher, Rubric rubric, TenantDirectory directory, JudgeClient judge,
                         SyntheticRepository synthetic, MeterRegistry meters, EvidenceProperties wait) {
        this.evidence = evidence;
        this.evaluations = evaluations;
        this.publisher = publisher;
        this.rubric = rubric;
        this.directory = directory;
        this.judge = judge;
        this.synthetic = synthetic;
        this.meters = meters;
        this.wait = wait;
    }

    public Mono<Void> onOutcome(EventEnvelope<?> envelope, SessionOutcome outcome) {
        return evaluations.findByCallSid(envelope.callSid())
                .switchIfEmpty(Mono.defer(() -> score(envelope, outcome)))
                .flatMap(stored -> publishOnce(stored)
                        .then(synthetic.recordEvaluation(stored))
                        .then(judgeOnce(envelope, outcome, stored)));
    }

    private Mono<Void> publishOnce(StoredEvaluation stored) {
        return stored.publishedAt() != null ? Mono.empty()
                : publisher.publish(stored).then(evaluations.markPublished(stored.evaluationId())).then();
    }

    private Mono<Void> judgeOnce(EventEnvelope<?> envelope, SessionOutcome outcome, StoredEvaluation stored) {
        if (!judge.enabled() || stored.judge() != null) {
            return Mono.empty();
        }
        return gather(envelope, outcome)
                .flatMap(judge::judge)
                .doOnNext(v -> log.info("call {} judged by the model: {} {}", stored.callSid(), v.status(), v.score()))
                .flatMap(v -> evaluations.saveJudge(stored.evaluationId(), v))
                .then();
    }

    private Mono<StoredEvaluation> score(EventEnvelope<?> envelope, SessionOutcome outcome) {
        String callSid = envelope.callSid();
        return EvidenceCheck.await(gather(envelope, outcome), wait.evidenceWait(), wait.evidencePoll())
                .map(check -> new Scored(check, rubric.score(check.evidence()), note(check)))
                .doOnNext(s -> logScored(callSid, s))
                .map(s -> toStored(envelope, outcome, s.check().evidence().contract(), s.card(), s.note()))
                .flatMap(this::store);
    }

    /** Null when the outcome's evidence was all there; else what was still missing when the wait ran out. */
    private String note(EvidenceCheck check) {
        return check.complete() ? null : "scored after waiting " + wait.evidenceWait().toMillis() + " ms without "
                + String.join(", ", check.missing());
    }

    private static void logScored(String callSid, Scored s) {
        if (s.note() != null) {
            log.warn("call {} {}: the listeners of its evidence lag or it was lost", callSid, s.note());
        }
        log.info("call {} scored {} ({}) by {}", callSid, s.card().score(), s.card().passed() ? "pass" : "fail",
                s.card().rubricVersion());
    }

    private Mono<StoredEvaluation> store(StoredEvaluation e) {
        return evaluations.insert(e)
                .doOnNext(inserted -> {
                    if (inserted) {
                        countStored(e);
                    }
                })
                .then(evaluations.findByCallSid(e.callSid()));
    }

    /**
     * {@code voice.evaluations.total{agent_version_id,passed}}, once per stored evaluation (the pass rate by
     * version is {@code passed="true"} over all), and {@code voice.evaluations.evidence.incomplete{agent_version_id}}
     * for those scored without all their evidence. Versions are few and published by the config service; a session
     * without one is {@code unknown}.
     */
    private void countStored(StoredEvaluation e) {
        String version = e.agentVersionId() == null ? "unknown" : e.agentVersionId();
        meters.counter("voice.evaluations", "agent_version_id", version,
                        "passed", Boolean.toString(e.scorecard().passed()))
                .increment();
        if (e.evidenceNote() != null) {
            // scored after the evidence wait ran out: a listener lags, or an event of the call was lost
            meters.counter("voice.evaluations.evidence.incomplete", "agent_version_id", version).increment();
        }
    }

    private Mono<SessionEvidence> gather(EventEnvelope<?> envelope, SessionOutcome outcome) {
        String callSid = envelope.callSid();
        Contract contract = contract(directory.byId(envelope.tenantId()), outcome.agentVersionId());
        return Mono.zip(evidence.turns(callSid).collectList(), evidence.toolResults(callSid).collectList(),
                        evidence.states(callSid))
                .map(found -> new SessionEvidence(outcome, found.getT1(), found.getT2(), found.getT3(), contract));
    }

    /** The agent that owns the version and, when the tenant's view describes the version, its consents and intents. */
    static Contract contract(Optional<TenantConfigPublished> tenant, String versionId) {
        if (tenant.isEmpty() || versionId == null) {
            return Contract.UNKNOWN;
        }
        for (AgentView agent : tenant.get().agents()) {
            Optional<VersionView> version = agent.version(versionId);
            if (version.isPresent()) {
                Map<String, String> classes = new LinkedHashMap<>();
                for (IntentView intent : version.get().intents()) {
                    if (intent.name() != null && intent.intentClass() != null) {
                        classes.put(intent.name(), intent.intentClass());
                    }
                }
                return new Contract(agent.agentKey(), version.get().consents(), classes);
            }
            if (versionId.equals(agent.agentVersionId())) {
                return new Contract(agent.agentKey(), null, Map.of());
            }
        }
        return Contract.UNKNOWN;
    }

    private static StoredEvaluation toStored(EventEnvelope<?> envelope, SessionOutcome outcome, Contract contract,
                                             Scorecard card, String evidenceNote) {
        String evaluationId = "ev_" + deterministic("evaluation:" + envelope.callSid()).replace("-", "");
        return new StoredEvaluation(evaluationId, envelope.tenantId(), envelope.callSid(), contract.agentKey(),
                outcome.agentVersionId(), outcome.outcome().wire(), outcome.intent(), card,
                outcome.timeToFirstAudioMs(), false, null, deterministic("event:" + evaluationId), null, null,
                evidenceNote);
    }

    private static String deterministic(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Evidence as checked, the scorecard it earned and the note on what was missing (null: nothing). */
    private record Scored(EvidenceCheck check, Scorecard card, String note) {
    }
}
