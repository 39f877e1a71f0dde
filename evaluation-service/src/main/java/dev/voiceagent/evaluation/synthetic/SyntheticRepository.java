package dev.voiceagent.evaluation.synthetic;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.evaluation.scoring.StoredEvaluation;
import io.r2dbc.postgresql.codec.Json;
import io.r2dbc.spi.Readable;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;

/** Scenario suites, synthetic runs and their calls; a call's evaluation is attached by call SID. */
@Repository
public class SyntheticRepository {

    private static final TypeReference<List<Scenario>> SCENARIOS = new TypeReference<>() {
    };

    private final DatabaseClient db;
    private final TransactionalOperator tx;

    public SyntheticRepository(DatabaseClient db, ReactiveTransactionManager transactions) {
        this.db = db;
        this.tx = TransactionalOperator.create(transactions);
    }

    public Mono<List<Scenario>> saveSuite(String tenantId, String agentKey, List<Scenario> scenarios) {
        return db.sql("INSERT INTO scenario_suites (tenant_id, agent_key, scenarios) VALUES (:tenant, :agent, :s) "
                        + "ON CONFLICT (tenant_id, agent_key) DO UPDATE SET scenarios = EXCLUDED.scenarios, "
                        + "updated_at = now()")
                .bind("tenant", tenantId).bind("agent", agentKey).bind("s", json(scenarios))
                .then().thenReturn(scenarios);
    }

    public Mono<List<Scenario>> suite(String tenantId, String agentKey) {
        return db.sql("SELECT scenarios FROM scenario_suites WHERE tenant_id = :tenant AND agent_key = :agent")
                .bind("tenant", tenantId).bind("agent", agentKey)
                .map(row -> EventCodec.mapper().readValue(row.get("scenarios", Json.class).asString(), SCENARIOS))
                .one();
    }

    /** The run and one pending call per scenario, in one transaction. */
    public Mono<Void> createRun(SyntheticRun run, List<Scenario> scenarios) {
        Mono<Void> header = db.sql("INSERT INTO synthetic_runs (id, tenant_id, agent_key, agent_version_id, total, "
                        + "started_at) VALUES (:id, :tenant, :agent, :version, :total, :at)")
                .bind("id", run.id()).bind("tenant", run.tenantId()).bind("agent", run.agentKey())
                .bind("version", run.agentVersionId()).bind("total", scenarios.size()).bind("at", run.startedAt())
                .then();
        Mono<Void> calls = Flux.fromIterable(scenarios)
                .concatMap(s -> db.sql("INSERT INTO synthetic_run_calls (run_id, scenario_id, scenario, status) "
                                + "VALUES (:run, :scenario, :body, 'pending')")
                        .bind("run", run.id()).bind("scenario", s.id()).bind("body", json(s)).then())
                .then();
        return tx.transactional(header.then(calls));
    }

    public Mono<Long> placed(String runId, String scenarioId, String callSid) {
        return db.sql("UPDATE synthetic_run_calls SET status = 'placed', call_sid = :sid, updated_at = now() "
                        + "WHERE run_id = :run AND scenario_id = :scenario AND status = 'pending'")
                .bind("sid", callSid).bind("run", runId).bind("scenario", scenarioId)
                .fetch().rowsUpdated();
    }

    public Mono<Long> failed(String runId, String scenarioId, String reason) {
        return db.sql("UPDATE synthetic_run_calls SET status = 'failed', error = :reason, updated_at = now() "
                        + "WHERE run_id = :run AND scenario_id = :scenario AND status = 'pending'")
                .bind("reason", reason).bind("run", runId).bind("scenario", scenarioId)
                .fetch().rowsUpdated();
    }

    /** Attaches an evaluation to the synthetic call with its SID, if a run placed it (else nothing). */
    public Mono<Void> recordEvaluation(StoredEvaluation e) {
        return db.sql("SELECT scenario FROM synthetic_run_calls WHERE call_sid = :sid AND status <> 'evaluated'")
                .bind("sid", e.callSid())
                .map(row -> EventCodec.mapper().readValue(row.get("scenario", Json.class).asString(), Scenario.class))
                .one()
                .zipWith(toolsUsed(e.callSid()))
                .map(t -> ExpectationCheck.of(t.getT1().expect(), e.intent(), e.outcome(), t.getT2()))
                .flatMap(check -> db.sql("UPDATE synthetic_run_calls SET status = 'evaluated', evaluation_id = :ev, "
                                + "score = :score, passed = :passed, expectations = :check, updated_at = now() "
                                + "WHERE call_sid = :sid")
                        .bind("ev", e.evaluationId()).bind("score", e.scorecard().score())
                        .bind("passed", e.scorecard().passed()).bind("check", json(check)).bind("sid", e.callSid())
                        .then());
    }

    private Mono<List<String>> toolsUsed(String callSid) {
        return db.sql("SELECT DISTINCT tool FROM tool_results WHERE call_sid = :sid AND status = 'ok'")
                .bind("sid", callSid).map(row -> row.get("tool", String.class)).all().collectList();
    }

    public Mono<SyntheticRun> run(String tenantId, String runId) {
        return db.sql("SELECT * FROM synthetic_runs WHERE id = :id AND tenant_id = :tenant")
                .bind("id", runId).bind("tenant", tenantId)
                .map(row -> new SyntheticRun(row.get("id", String.class), row.get("tenant_id", String.class),
                        row.get("agent_key", String.class), row.get("agent_version_id", String.class),
                        instant(row, "started_at")))
                .one();
    }

    public Flux<SyntheticRun.CallResult> calls(String runId) {
        return db.sql("SELECT * FROM synthetic_run_calls WHERE run_id = :run ORDER BY scenario_id")
                .bind("run", runId)
                .map(SyntheticRepository::toCall)
                .all();
    }

    private static SyntheticRun.CallResult toCall(Readable row) {
        Json check = row.get("expectations", Json.class);
        return new SyntheticRun.CallResult(row.get("scenario_id", String.class), row.get("call_sid", String.class),
                row.get("status", String.class), row.get("error", String.class),
                row.get("evaluation_id", String.class), row.get("score", Double.class),
                row.get("passed", Boolean.class),
                check == null ? null : EventCodec.mapper().readValue(check.asString(), ExpectationCheck.class),
                instant(row, "updated_at"));
    }

    private static Instant instant(Readable row, String column) {
        OffsetDateTime value = row.get(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static Json json(Object value) {
        return Json.of(EventCodec.mapper().writeValueAsString(value));
    }
}
