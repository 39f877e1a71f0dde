package dev.voiceagent.config.agent;

import dev.voiceagent.config.support.JsonFields;
import dev.voiceagent.config.support.Rows;
import java.time.Instant;
import java.util.Set;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Launch gate results of agent versions. The latest result of a version decides whether a rollout may give it
 * more than the canary share; latest by when it was decided (an evaluation's {@code evaluated_at}, an override's
 * time of recording), so an evaluation delivered late does not undo an override made after it. Results arrive
 * from the evaluation service's {@code voice.launch_gate.evaluated} ({@link #recordOnce}, source
 * {@code evaluation-service}) and, as a manual override, through {@code PUT …/versions/{id}/gate-result}
 * ({@link #record}, source {@code admin}); both go through {@link GateResults}.
 */
@Repository
public class LaunchGates {

    /** A gate result as recorded and shown. */
    public record GateResult(String agentVersionId, boolean passed, Double score, String evaluationId, String detail,
                             String source, Instant recordedAt) {
    }

    /** What a caller reports: {@code {passed, score?, evaluation_id?, detail?}}. */
    public record GateReport(boolean passed, Double score, String evaluationId, String detail) {

        public static GateReport parse(JsonNode body) {
            JsonFields fields = JsonFields.body(body, Set.of("passed", "score", "evaluation_id", "detail"));
            boolean passed = fields.optionalBoolean("passed")
                    .orElseThrow(() -> dev.voiceagent.support.Problems.invalidField("passed", "is required"));
            return new GateReport(passed, fields.optionalNumber("score", 0.0, 1.0).orElse(null),
                    fields.optionalString("evaluation_id", 100).orElse(null),
                    fields.optionalString("detail", 1_000).orElse(null));
        }
    }

    private static final String COLUMNS = "agent_version_id, passed, score, evaluation_id, detail, source, recorded_at";
    private static final String INSERT = "INSERT INTO launch_gate_results (tenant_id, agent_key, agent_version_id, "
            + "passed, score, evaluation_id, detail, source, decided_at) ";

    private final DatabaseClient db;

    public LaunchGates(DatabaseClient db) {
        this.db = db;
    }

    public Mono<GateResult> record(String tenantId, String agentKey, String versionId, GateReport report,
                                   String source) {
        return insert(INSERT + "VALUES (:tenant, :key, :version, :passed, :score, :evaluation, :detail, :source, "
                + "now()) RETURNING " + COLUMNS, tenantId, agentKey, versionId, report, source, null);
    }

    /**
     * Records a result decided at {@code decidedAt} unless one from the same source with the same (non-null)
     * evaluation id exists; empty then, so a redelivered event writes nothing.
     */
    public Mono<GateResult> recordOnce(String tenantId, String agentKey, String versionId, GateReport report,
                                       String source, Instant decidedAt) {
        return insert(INSERT + "SELECT :tenant, :key, :version, :passed, :score, :evaluation, :detail, :source, "
                + ":decided WHERE NOT EXISTS (SELECT 1 FROM launch_gate_results WHERE tenant_id = :tenant "
                + "AND evaluation_id = :evaluation AND source = :source) RETURNING " + COLUMNS,
                tenantId, agentKey, versionId, report, source, decidedAt);
    }

    private Mono<GateResult> insert(String sql, String tenantId, String agentKey, String versionId, GateReport report,
                                    String source, Instant decidedAt) {
        var spec = db.sql(sql)
                .bind("tenant", tenantId)
                .bind("key", agentKey)
                .bind("version", versionId)
                .bind("passed", report.passed())
                .bind("source", source);
        spec = Rows.bindNullable(spec, "score", report.score(), Double.class);
        spec = Rows.bindNullable(spec, "evaluation", report.evaluationId(), String.class);
        spec = Rows.bindNullable(spec, "detail", report.detail(), String.class);
        if (decidedAt != null) {
            spec = spec.bind("decided", decidedAt);
        }
        return spec.map((row, meta) -> result(row)).one();
    }

    /** The version's latest gate result; empty when it has none. */
    public Mono<GateResult> latest(String tenantId, String versionId) {
        return db.sql("SELECT " + COLUMNS + " FROM launch_gate_results WHERE tenant_id = :tenant "
                        + "AND agent_version_id = :version ORDER BY decided_at DESC, id DESC LIMIT 1")
                .bind("tenant", tenantId)
                .bind("version", versionId)
                .map((row, meta) -> result(row))
                .one();
    }

    private static GateResult result(io.r2dbc.spi.Readable row) {
        return new GateResult(row.get("agent_version_id", String.class),
                Boolean.TRUE.equals(row.get("passed", Boolean.class)), row.get("score", Double.class),
                row.get("evaluation_id", String.class), row.get("detail", String.class),
                row.get("source", String.class), Rows.instant(row.get("recorded_at")));
    }
}
