package dev.voiceagent.evaluation.scoring;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.evaluation.rubric.Scorecard;
import io.r2dbc.postgresql.codec.Json;
import io.r2dbc.spi.Readable;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;

/** Evaluations, unique per call SID: the first stored evaluation of a call is the only one. */
@Repository
public class EvaluationRepository {

    private static final TypeReference<List<Scorecard.Criterion>> CRITERIA = new TypeReference<>() {
    };

    private final DatabaseClient db;

    public EvaluationRepository(DatabaseClient db) {
        this.db = db;
    }

    public Mono<StoredEvaluation> findByCallSid(String callSid) {
        return db.sql("SELECT * FROM evaluations WHERE call_sid = :callSid").bind("callSid", callSid)
                .map(EvaluationRepository::toStored).one();
    }

    public Mono<StoredEvaluation> findForTenant(String tenantId, String callSid) {
        return db.sql("SELECT * FROM evaluations WHERE call_sid = :callSid AND tenant_id = :tenant")
                .bind("callSid", callSid).bind("tenant", tenantId)
                .map(EvaluationRepository::toStored).one();
    }

    /** Inserts unless the call already has an evaluation; answers the call's evaluation either way. */
    public Mono<StoredEvaluation> insertFirst(StoredEvaluation e) {
        GenericExecuteSpec spec = db.sql("INSERT INTO evaluations (evaluation_id, tenant_id, call_sid, "
                        + "agent_version_id, outcome, intent, score, passed, criteria, rubric_version, event_id) "
                        + "VALUES (:id, :tenant, :callSid, :version, :outcome, :intent, :score, :passed, :criteria, "
                        + ":rubric, :eventId) ON CONFLICT (call_sid) DO NOTHING")
                .bind("id", e.evaluationId())
                .bind("tenant", e.tenantId())
                .bind("callSid", e.callSid())
                .bind("outcome", e.outcome())
                .bind("score", e.scorecard().score())
                .bind("passed", e.scorecard().passed())
                .bind("criteria", Json.of(EventCodec.mapper().writeValueAsString(e.scorecard().criteria())))
                .bind("rubric", e.scorecard().rubricVersion())
                .bind("eventId", e.eventId());
        spec = e.agentVersionId() == null ? spec.bindNull("version", String.class) : spec.bind("version", e.agentVersionId());
        spec = e.intent() == null ? spec.bindNull("intent", String.class) : spec.bind("intent", e.intent());
        return spec.fetch().rowsUpdated().then(findByCallSid(e.callSid()));
    }

    public Mono<Long> markPublished(String evaluationId) {
        return db.sql("UPDATE evaluations SET published_at = now() WHERE evaluation_id = :id AND published_at IS NULL")
                .bind("id", evaluationId).fetch().rowsUpdated();
    }

    private static StoredEvaluation toStored(Readable row) {
        List<Scorecard.Criterion> criteria = EventCodec.mapper()
                .readValue(row.get("criteria", Json.class).asString(), CRITERIA);
        Scorecard scorecard = new Scorecard(row.get("rubric_version", String.class),
                row.get("score", Double.class), Boolean.TRUE.equals(row.get("passed", Boolean.class)), criteria);
        OffsetDateTime published = row.get("published_at", OffsetDateTime.class);
        return new StoredEvaluation(row.get("evaluation_id", String.class), row.get("tenant_id", String.class),
                row.get("call_sid", String.class), row.get("agent_version_id", String.class),
                row.get("outcome", String.class), row.get("intent", String.class), scorecard,
                row.get("event_id", String.class), row.get("evaluated_at", OffsetDateTime.class).toInstant(),
                published == null ? null : published.toInstant());
    }
}
