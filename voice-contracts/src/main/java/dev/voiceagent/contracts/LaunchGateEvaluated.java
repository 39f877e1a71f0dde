package dev.voiceagent.contracts;

import java.time.Instant;
import java.util.List;

/**
 * An agent version's launch gate was evaluated, on {@link Topics#EVALUATIONS}: pass/fail, each criterion's verdict
 * with its reason, and the statistics of the sessions it looked at. Keyed by tenant id (no call). The config
 * service records the latest one per version to decide whether a rollout may go past the canary share.
 */
public record LaunchGateEvaluated(String gateEvaluationId, String agentKey, String agentVersionId, String gateName,
                                  boolean passed, Instant evaluatedAt, Instant windowFrom, Instant windowTo,
                                  boolean syntheticOnly, List<Criterion> criteria, Stats stats) implements VoiceEvent {

    public LaunchGateEvaluated {
        criteria = criteria == null ? List.of() : List.copyOf(criteria);
    }

    /** One criterion's verdict; {@code required} and {@code actual} as text ({@code actual} absent when unmeasured). */
    public record Criterion(String name, boolean passed, String required, String actual, String reason) {
    }

    /** The evaluated sessions: count, pass rate and mean score (absent with no sessions), p95 time to first audio. */
    public record Stats(int count, Double passRate, Double meanScore, Long p95TimeToFirstAudioMs,
                        int policyViolations) {
    }
}
