package dev.voiceagent.evaluation.insight;

import dev.voiceagent.evaluation.rubric.Rubric;
import dev.voiceagent.evaluation.rubric.Scorecard;
import dev.voiceagent.evaluation.scoring.StoredEvaluation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Aggregates over a set of evaluations: count, pass rate, mean score, p95 time to first audio (nearest rank over
 * the sessions that measured it), policy violations (sessions where a policy criterion scored below 1) and the
 * mean of each criterion. {@code truncated}: more sessions matched than one query reads; these are the newest
 * (a Boolean, so that results stored before it was recorded still read, as false).
 */
public record SessionStats(int count, int passed, Double passRate, Double meanScore, Long p95TimeToFirstAudioMs,
                           int policyViolations, Map<String, Double> criteria, Boolean truncated) {

    public SessionStats {
        truncated = Boolean.TRUE.equals(truncated);
    }

    /** The statistics of a sample, saying whether it was cut. */
    public static SessionStats of(SessionSample sample) {
        return of(sample.sessions(), sample.truncated());
    }

    /** The statistics of all of {@code sessions}. */
    public static SessionStats of(List<StoredEvaluation> sessions) {
        return of(sessions, false);
    }

    private static SessionStats of(List<StoredEvaluation> sessions, boolean truncated) {
        int count = sessions.size();
        int passed = (int) sessions.stream().filter(e -> e.scorecard().passed()).count();
        int violations = (int) sessions.stream().filter(SessionStats::violatesPolicy).count();
        Double meanScore = count == 0 ? null
                : round(sessions.stream().mapToDouble(e -> e.scorecard().score()).average().orElse(0));
        Map<String, List<Double>> samples = samples(sessions);
        Map<String, Double> means = new LinkedHashMap<>();
        samples.forEach((name, values) -> means.put(name,
                round(values.stream().mapToDouble(Double::doubleValue).average().orElse(0))));
        return new SessionStats(count, passed, count == 0 ? null : round((double) passed / count), meanScore,
                p95(sessions.stream().map(StoredEvaluation::timeToFirstAudioMs).filter(v -> v != null).toList()),
                violations, means, truncated);
    }

    static boolean violatesPolicy(StoredEvaluation e) {
        return e.scorecard().criteria().stream()
                .anyMatch(c -> Rubric.POLICY_CRITERIA.contains(c.name()) && c.score() < 1.0);
    }

    /** Every criterion's scores, in rubric order first, then criteria only older rubrics had. */
    static Map<String, List<Double>> samples(List<StoredEvaluation> sessions) {
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        Rubric.criteriaNames().forEach(name -> samples.put(name, new ArrayList<>()));
        for (StoredEvaluation e : sessions) {
            for (Scorecard.Criterion c : e.scorecard().criteria()) {
                samples.computeIfAbsent(c.name(), n -> new ArrayList<>()).add(c.score());
            }
        }
        samples.values().removeIf(List::isEmpty);
        return samples;
    }

    static Long p95(List<Long> values) {
        if (values.isEmpty()) {
            return null;
        }
        List<Long> sorted = values.stream().sorted().toList();
        int rank = (int) Math.ceil(0.95 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    static double round(double value) {
        return Math.round(value * 10_000) / 10_000.0;
    }
}
