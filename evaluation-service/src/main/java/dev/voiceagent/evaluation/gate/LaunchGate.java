package dev.voiceagent.evaluation.gate;

import dev.voiceagent.evaluation.insight.SessionStats;
import dev.voiceagent.support.Problems;
import java.util.ArrayList;
import java.util.List;

/**
 * An agent's launch gate: named criteria a version's sessions must meet before it may take more traffic. Every
 * criterion is optional, but a gate never passes over no sessions; {@code synthetic_only} restricts the sessions to
 * synthetic calls.
 */
public record LaunchGate(String name, Integer minSessions, Double minPassRate, Integer maxPolicyViolations,
                         Long maxP95TimeToFirstAudioMs, Double minMeanScore, Boolean syntheticOnly) {

    public LaunchGate {
        syntheticOnly = Boolean.TRUE.equals(syntheticOnly);
    }

    /** One criterion's verdict with what was required and what was found. */
    public record CriterionResult(String name, boolean passed, Object required, Object actual, String reason) {
    }

    /** 400 naming the first invalid field. */
    public LaunchGate validated() {
        if (name != null && name.length() > 100) {
            throw Problems.invalidField("name", "must be at most 100 characters");
        }
        if (minSessions == null && minPassRate == null && maxPolicyViolations == null
                && maxP95TimeToFirstAudioMs == null && minMeanScore == null) {
            throw Problems.invalidField("min_sessions", "a gate needs at least one criterion");
        }
        if (minSessions != null && minSessions < 1) {
            throw Problems.invalidField("min_sessions", "must be 1 or more");
        }
        if (minPassRate != null && (minPassRate < 0 || minPassRate > 1)) {
            throw Problems.invalidField("min_pass_rate", "must be between 0 and 1");
        }
        if (maxPolicyViolations != null && maxPolicyViolations < 0) {
            throw Problems.invalidField("max_policy_violations", "must be 0 or more");
        }
        if (maxP95TimeToFirstAudioMs != null && maxP95TimeToFirstAudioMs <= 0) {
            throw Problems.invalidField("max_p95_time_to_first_audio_ms", "must be positive");
        }
        if (minMeanScore != null && (minMeanScore < 0 || minMeanScore > 1)) {
            throw Problems.invalidField("min_mean_score", "must be between 0 and 1");
        }
        return new LaunchGate(name == null || name.isBlank() ? "default" : name, minSessions, minPassRate,
                maxPolicyViolations, maxP95TimeToFirstAudioMs, minMeanScore, syntheticOnly);
    }

    /**
     * Each configured criterion against the sessions' statistics. Over no sessions {@code min_sessions} is reported
     * failed even when the gate does not set it: criteria such as {@code max_policy_violations} hold trivially on
     * nothing, and a version nobody has called must not be promoted.
     */
    public List<CriterionResult> evaluate(SessionStats stats) {
        List<CriterionResult> results = new ArrayList<>();
        if (minSessions != null || stats.count() == 0) {
            results.add(sessions(stats));
        }
        if (minPassRate != null) {
            boolean ok = stats.passRate() != null && stats.passRate() >= minPassRate;
            results.add(new CriterionResult("min_pass_rate", ok, minPassRate, stats.passRate(),
                    stats.passRate() == null ? "no sessions to measure"
                            : "pass rate " + stats.passRate() + (ok ? " ≥ " : " < ") + minPassRate));
        }
        if (maxPolicyViolations != null) {
            boolean ok = stats.policyViolations() <= maxPolicyViolations;
            results.add(new CriterionResult("max_policy_violations", ok, maxPolicyViolations,
                    stats.policyViolations(), stats.policyViolations() + " sessions violated policy"
                            + (ok ? "" : ", at most " + maxPolicyViolations + " allowed")));
        }
        if (maxP95TimeToFirstAudioMs != null) {
            Long p95 = stats.p95TimeToFirstAudioMs();
            boolean ok = p95 != null && p95 <= maxP95TimeToFirstAudioMs;
            results.add(new CriterionResult("max_p95_time_to_first_audio_ms", ok, maxP95TimeToFirstAudioMs, p95,
                    p95 == null ? "time to first audio never measured"
                            : "p95 time to first audio " + p95 + " ms" + (ok ? " ≤ " : " > ")
                                    + maxP95TimeToFirstAudioMs + " ms"));
        }
        if (minMeanScore != null) {
            boolean ok = stats.meanScore() != null && stats.meanScore() >= minMeanScore;
            results.add(new CriterionResult("min_mean_score", ok, minMeanScore, stats.meanScore(),
                    stats.meanScore() == null ? "no sessions to measure"
                            : "mean score " + stats.meanScore() + (ok ? " ≥ " : " < ") + minMeanScore));
        }
        return results;
    }

    /** At least one session, always: gates stored when 0 was accepted are held to one as well. */
    private CriterionResult sessions(SessionStats stats) {
        int required = minSessions == null ? 1 : Math.max(1, minSessions);
        boolean ok = stats.count() >= required;
        String kind = syntheticOnly ? "synthetic " : "";
        String reason = ok ? stats.count() + " sessions"
                : stats.count() == 0 ? "no " + kind + "sessions: a gate never passes without any"
                : "only " + stats.count() + " " + kind + "sessions, need " + required;
        return new CriterionResult("min_sessions", ok, required, stats.count(), reason);
    }
}
