package dev.voiceagent.evaluation.gate;

import dev.voiceagent.contracts.EventCodec;
import io.r2dbc.postgresql.codec.Json;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Launch gates (one per tenant and agent) and every evaluation of them. */
@Repository
public class GateRepository {

    private final DatabaseClient db;

    public GateRepository(DatabaseClient db) {
        this.db = db;
    }

    public Mono<LaunchGate> save(String tenantId, String agentKey, LaunchGate gate) {
        return db.sql("INSERT INTO launch_gates (tenant_id, agent_key, gate) VALUES (:tenant, :agent, :gate) "
                        + "ON CONFLICT (tenant_id, agent_key) DO UPDATE SET gate = EXCLUDED.gate, updated_at = now()")
                .bind("tenant", tenantId).bind("agent", agentKey).bind("gate", json(gate))
                .then().thenReturn(gate);
    }

    public Mono<LaunchGate> find(String tenantId, String agentKey) {
        return db.sql("SELECT gate FROM launch_gates WHERE tenant_id = :tenant AND agent_key = :agent")
                .bind("tenant", tenantId).bind("agent", agentKey)
                .map(row -> EventCodec.mapper().readValue(row.get("gate", Json.class).asString(), LaunchGate.class))
                .one();
    }

    public Mono<GateEvaluation> record(String tenantId, GateEvaluation evaluation) {
        return db.sql("INSERT INTO gate_evaluations (id, tenant_id, agent_key, agent_version_id, passed, result, "
                        + "evaluated_at) VALUES (:id, :tenant, :agent, :version, :passed, :result, :at)")
                .bind("id", evaluation.id()).bind("tenant", tenantId).bind("agent", evaluation.agentKey())
                .bind("version", evaluation.agentVersionId()).bind("passed", evaluation.passed())
                .bind("result", json(evaluation)).bind("at", evaluation.evaluatedAt())
                .then().thenReturn(evaluation);
    }

    /** The newest evaluations of a version's gate first. */
    public Flux<GateEvaluation> history(String tenantId, String agentKey, String versionId, int limit) {
        return db.sql("SELECT result FROM gate_evaluations WHERE tenant_id = :tenant AND agent_key = :agent "
                        + "AND agent_version_id = :version ORDER BY evaluated_at DESC, id LIMIT :limit")
                .bind("tenant", tenantId).bind("agent", agentKey).bind("version", versionId).bind("limit", limit)
                .map(row -> EventCodec.mapper().readValue(row.get("result", Json.class).asString(),
                        GateEvaluation.class))
                .all();
    }

    private static Json json(Object value) {
        return Json.of(EventCodec.mapper().writeValueAsString(value));
    }
}
