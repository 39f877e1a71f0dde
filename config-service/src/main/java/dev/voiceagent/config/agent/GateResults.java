package dev.voiceagent.config.agent;

import dev.voiceagent.config.publish.ConfigChanges;
import dev.voiceagent.config.publish.ConfigChanges.Change;
import dev.voiceagent.contracts.LaunchGateEvaluated;
import java.time.Instant;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The one way a launch gate result is recorded, whether it comes from the evaluation service's event or from the
 * admin override: the row, its audit entry and the tenant's republished view, as one configuration change.
 */
@Component
public class GateResults {

    static final String ACTION = "agent.gate_result_recorded";
    /** Audit actor and result source of results taken from {@code voice.launch_gate.evaluated}. */
    public static final String EVALUATION_SERVICE = "evaluation-service";
    static final String ADMIN_SOURCE = "admin";
    private static final int MAX_DETAIL = 1_000;
    private static final Logger log = LoggerFactory.getLogger(GateResults.class);

    private final ConfigChanges changes;
    private final LaunchGates gates;
    private final AgentRepository agents;

    public GateResults(ConfigChanges changes, LaunchGates gates, AgentRepository agents) {
        this.changes = changes;
        this.gates = gates;
        this.agents = agents;
    }

    /** The manual override; the caller has checked that tenant and version exist. */
    public Mono<LaunchGates.GateResult> recordByAdmin(String tenantId, String agentKey, String versionId,
                                                      LaunchGates.GateReport report, String actor) {
        return apply(tenantId, versionId, actor,
                gates.record(tenantId, agentKey, versionId, report, ADMIN_SOURCE));
    }

    /**
     * A gate evaluation from the evaluation service, once per gate evaluation id: empty when it was recorded
     * before, or when this tenant has no such version (nothing to gate; the event is skipped, not retried).
     */
    public Mono<LaunchGates.GateResult> recordEvaluated(String tenantId, LaunchGateEvaluated event) {
        LaunchGates.GateReport report = new LaunchGates.GateReport(event.passed(),
                event.stats() == null ? null : event.stats().meanScore(), event.gateEvaluationId(), detail(event));
        return agents.version(tenantId, event.agentKey(), event.agentVersionId())
                .switchIfEmpty(Mono.fromRunnable(() -> log.warn("gate evaluation {} names unknown version {}/{} of "
                        + "tenant {}; skipped", event.gateEvaluationId(), event.agentKey(), event.agentVersionId(),
                        tenantId)))
                .flatMap(version -> apply(tenantId, event.agentVersionId(), EVALUATION_SERVICE,
                        gates.recordOnce(tenantId, event.agentKey(), event.agentVersionId(), report, EVALUATION_SERVICE,
                                event.evaluatedAt() != null ? event.evaluatedAt() : Instant.now())));
    }

    private Mono<LaunchGates.GateResult> apply(String tenantId, String versionId, String actor,
                                               Mono<LaunchGates.GateResult> insert) {
        return changes.apply(new Change(tenantId, actor, ACTION), gates.latest(tenantId, versionId), insert);
    }

    /** "gate launch failed: <reasons of the failed criteria>", or every reason when it passed. */
    static String detail(LaunchGateEvaluated event) {
        String reasons = event.criteria().stream()
                .filter(c -> !event.passed() ? !c.passed() : true)
                .map(c -> c.name() + ": " + c.reason())
                .collect(Collectors.joining("; "));
        String text = "gate " + event.gateName() + (event.passed() ? " passed" : " failed")
                + (reasons.isEmpty() ? "" : ": " + reasons);
        return text.length() <= MAX_DETAIL ? text : text.substring(0, MAX_DETAIL - 1) + "…";
    }
}
