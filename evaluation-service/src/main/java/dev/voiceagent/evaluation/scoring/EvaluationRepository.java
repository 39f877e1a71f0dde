package dev.voiceagent.evaluation.scoring;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.evaluation.insight.EvaluationQuery;
import dev.voiceagent.evaluation.insight.SessionSample;
import dev.voiceagent.evaluation.judge.JudgeVerdict;
import dev.voiceagent.evaluation.rubric.Scorecard;
import io.r2dbc.postgresql.codec.Json;
import io.r2dbc.spi.Readable;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
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

    /** Inserts unless the call already has an evaluation; answers whether this insert stored it. */
    public Mono<Boolean> insert(StoredEvaluation e) {
        GenericExecuteSpec spec = db.sql("INSERT INTO evaluations (evaluation_id, tenant_id, call_sid, "
                        + "agent_key, agent_version_id, outcome, intent, score, passed, criteria, rubric_version, "
                        + "event_id, time_to_first_audio_ms, synthetic, evidence_note) VALUES (:id, :tenant, "
                        + ":callSid, :agentKey, :version, :outcome, :intent, :score, :passed, :criteria, :rubric, "
                        + ":eventId, :ttfa, EXISTS (SELECT 1 FROM synthetic_run_calls WHERE call_sid = :callSid), "
                        + ":note) "
                        + "ON CONFLICT (call_sid) DO NOTHING")
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
        spec = e.agentKey() == null ? spec.bindNull("agentKey", String.class) : spec.bind("agentKey", e.agentKey());
        spec = e.timeToFirstAudioMs() == null ? spec.bindNull("ttfa", Long.class) : spec.bind("ttfa", e.timeToFirstAudioMs());
        spec = e.evidenceNote() == null ? spec.bindNull("note", String.class) : spec.bind("note", e.evidenceNote());
        return spec.fetch().rowsUpdated().map(n -> n > 0);
    }

    public Mono<Long> markPublished(String evaluationId) {
        return db.sql("UPDATE evaluations SET published_at = now() WHERE evaluation_id = :id AND published_at IS NULL")
                .bind("id", evaluationId).fetch().rowsUpdated();
    }

    /**
     * The tenant's newest evaluations matching the query, at most {@link EvaluationQuery#MAX_SESSIONS} (newest first),
     * and whether older ones were left out: a cap must cut the past, never what a version does now.
     */
    public Mono<SessionSample> newest(EvaluationQuery q) {
        Map<String, Object> binds = new LinkedHashMap<>();
        String sql = "SELECT * FROM evaluations WHERE " + filters(q, binds)
                + " ORDER BY evaluated_at DESC, evaluation_id DESC LIMIT " + (EvaluationQuery.MAX_SESSIONS + 1);
        return bound(sql, binds).map(EvaluationRepository::toStored).all().collectList().map(SessionSample::capped);
    }

    /**
     * The oldest {@code limit} evaluations matching the query that failed {@code criterion} (scored below 1), or
     * that did not pass when it is null; filtered in the database, so no cap applies.
     */
    public Flux<StoredEvaluation> failures(EvaluationQuery q, String criterion, int limit) {
        Map<String, Object> binds = new LinkedHashMap<>();
        StringBuilder sql = new StringBuilder("SELECT * FROM evaluations WHERE ").append(filters(q, binds));
        if (criterion == null) {
            sql.append(" AND NOT passed");
        } else {
            sql.append(" AND EXISTS (SELECT 1 FROM jsonb_array_elements(criteria) AS c WHERE c ->> 'name' = :criterion "
                    + "AND CAST(c ->> 'score' AS DOUBLE PRECISION) < 1)");
            binds.put("criterion", criterion);
        }
        sql.append(" ORDER BY evaluated_at, evaluation_id LIMIT ").append(limit);
        return bound(sql.toString(), binds).map(EvaluationRepository::toStored).all();
    }

    /** The query's conditions on {@code evaluations}, with their values put in {@code binds}. */
    private static String filters(EvaluationQuery q, Map<String, Object> binds) {
        StringBuilder sql = new StringBuilder("tenant_id = :tenant");
        binds.put("tenant", q.tenantId());
        if (q.agentKey() != null) {
            // evaluations of a version the tenant view did not describe have no agent key: the version decides
            sql.append(" AND (agent_key = :agentKey OR (agent_key IS NULL AND agent_version_id IS NOT NULL")
                    .append(q.agentVersionId() == null ? " AND false" : "").append("))");
            binds.put("agentKey", q.agentKey());
        }
        if (q.agentVersionId() != null) {
            sql.append(" AND agent_version_id = :version");
            binds.put("version", q.agentVersionId());
        }
        if (q.from() != null) {
            sql.append(" AND evaluated_at >= :from");
            binds.put("from", q.from());
        }
        if (q.to() != null) {
            sql.append(" AND evaluated_at < :to");
            binds.put("to", q.to());
        }
        if (q.syntheticOnly()) {
            sql.append(" AND synthetic");
        }
        if (q.runId() != null) {
            sql.append(" AND call_sid IN (SELECT call_sid FROM synthetic_run_calls WHERE run_id = :run)");
            binds.put("run", q.runId());
        }
        return sql.toString();
    }

    private GenericExecuteSpec bound(String sql, Map<String, Object> binds) {
        GenericExecuteSpec spec = db.sql(sql);
        for (Map.Entry<String, Object> bind : binds.entrySet()) {
            spec = spec.bind(bind.getKey(), bind.getValue());
        }
        return spec;
    }

    /** Records the model judge's verdict once (a redelivered outcome does not ask the judge again). */
    public Mono<Long> saveJudge(String evaluationId, JudgeVerdict verdict) {
        return db.sql("UPDATE evaluations SET judge = :judge WHERE evaluation_id = :id AND judge IS NULL")
                .bind("id", evaluationId)
                .bind("judge", Json.of(EventCodec.mapper().writeValueAsString(verdict)))
                .fetch().rowsUpdated();
    }

    /** Marks the evaluations of calls placed by a synthetic run (whichever of the two arrives second). */
    public Mono<Long> markSynthetic(String callSid) {
        return db.sql("UPDATE evaluations SET synthetic = true WHERE call_sid = :callSid AND NOT synthetic")
                .bind("callSid", callSid).fetch().rowsUpdated();
    }

    static StoredEvaluation toStored(Readable row) {
        List<Scorecard.Criterion> criteria = EventCodec.mapper()
                .readValue(row.get("criteria", Json.class).asString(), CRITERIA);
        Scorecard scorecard = new Scorecard(row.get("rubric_version", String.class),
                row.get("score", Double.class), Boolean.TRUE.equals(row.get("passed", Boolean.class)), criteria);
        OffsetDateTime published = row.get("published_at", OffsetDateTime.class);
        Json judge = row.get("judge", Json.class);
        return new StoredEvaluation(row.get("evaluation_id", String.class), row.get("tenant_id", String.class),
                row.get("call_sid", String.class), row.get("agent_key", String.class),
                row.get("agent_version_id", String.class), row.get("outcome", String.class),
                row.get("intent", String.class), scorecard, row.get("time_to_first_audio_ms", Long.class),
                Boolean.TRUE.equals(row.get("synthetic", Boolean.class)),
                judge == null ? null : EventCodec.mapper().readValue(judge.asString(), JudgeVerdict.class),
                row.get("event_id", String.class), row.get("evaluated_at", OffsetDateTime.class).toInstant(),
                published == null ? null : published.toInstant(), row.get("evidence_note", String.class));
    }
}
