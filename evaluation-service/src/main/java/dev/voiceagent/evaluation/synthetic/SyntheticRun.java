package dev.voiceagent.evaluation.synthetic;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A run of an agent's scenario suite against one version. */
public record SyntheticRun(String id, String tenantId, String agentKey, String agentVersionId, Instant startedAt) {

    /** One scenario's call: {@code pending} → {@code placed} (has a call SID) → {@code evaluated}, or {@code failed}. */
    public record CallResult(String scenarioId, String callSid, String status, String error, String evaluationId,
                             Double score, Boolean passed, ExpectationCheck expectations, Instant updatedAt) {
    }

    /** Progress and results as read while the run goes on. */
    public record Progress(String runId, String agentKey, String agentVersionId, String status, Instant startedAt,
                           int total, int pending, int placed, int failed, int evaluated, int passed,
                           int expectationsMet, Double passRate, List<CallResult> calls) {
    }

    /**
     * {@code running} while calls are pending or waiting for their evaluation, {@code timed_out} when evaluations
     * are still missing after the result timeout, else {@code completed}.
     */
    public Progress progress(List<CallResult> calls, Instant now, Duration resultTimeout) {
        int pending = count(calls, "pending");
        int placed = count(calls, "placed");
        int failed = count(calls, "failed");
        int evaluated = count(calls, "evaluated");
        int passed = (int) calls.stream().filter(c -> Boolean.TRUE.equals(c.passed())).count();
        int met = (int) calls.stream().filter(c -> c.expectations() != null && c.expectations().met()).count();
        String status = pending + placed == 0 ? "completed"
                : startedAt.plus(resultTimeout).isBefore(now) ? "timed_out" : "running";
        return new Progress(id, agentKey, agentVersionId, status, startedAt, calls.size(), pending, placed, failed,
                evaluated, passed, met, evaluated == 0 ? null : Math.round(10_000.0 * passed / evaluated) / 10_000.0,
                calls);
    }

    private static int count(List<CallResult> calls, String status) {
        return (int) calls.stream().filter(c -> status.equals(c.status())).count();
    }
}
