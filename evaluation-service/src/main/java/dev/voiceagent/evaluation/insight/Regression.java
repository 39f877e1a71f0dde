package dev.voiceagent.evaluation.insight;

import dev.voiceagent.evaluation.scoring.StoredEvaluation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares a candidate version with a baseline, criterion by criterion (and on the overall score and pass rate):
 * the delta of the means and a note on significance from Welch's t statistic (|t| ≥ 1.96 ≈ 95%), with too few
 * sessions on either side said plainly rather than guessed at.
 */
public final class Regression {

    static final int MIN_SAMPLES = 5;
    static final double Z_95 = 1.96;

    private Regression() {
    }

    /** One compared measure. */
    public record Delta(String name, int baselineCount, int candidateCount, Double baselineMean,
                        Double candidateMean, Double delta, String significance) {
    }

    /** The comparison; {@code verdict} is {@code regressed}, {@code improved} or {@code no_significant_change}. */
    public record Result(String baselineVersion, String candidateVersion, SessionStats baseline,
                         SessionStats candidate, List<Delta> criteria, List<String> regressions, String verdict) {
    }

    /** The two versions' sessions as read (the statistics say when a side was cut to its newest sessions). */
    public static Result compare(String baselineVersion, SessionSample baseline, String candidateVersion,
                                 SessionSample candidate) {
        return compare(baselineVersion, baseline.sessions(), SessionStats.of(baseline), candidateVersion,
                candidate.sessions(), SessionStats.of(candidate));
    }

    public static Result compare(String baselineVersion, List<StoredEvaluation> baseline, String candidateVersion,
                                 List<StoredEvaluation> candidate) {
        return compare(baselineVersion, baseline, SessionStats.of(baseline), candidateVersion, candidate,
                SessionStats.of(candidate));
    }

    private static Result compare(String baselineVersion, List<StoredEvaluation> baseline, SessionStats baselineStats,
                                  String candidateVersion, List<StoredEvaluation> candidate,
                                  SessionStats candidateStats) {
        Map<String, List<Double>> before = measures(baseline);
        Map<String, List<Double>> after = measures(candidate);
        Set<String> names = new LinkedHashSet<>(before.keySet());
        names.addAll(after.keySet());
        List<Delta> deltas = new ArrayList<>();
        for (String name : names) {
            deltas.add(delta(name, before.getOrDefault(name, List.of()), after.getOrDefault(name, List.of())));
        }
        List<String> regressed = deltas.stream().filter(d -> d.delta() != null && d.delta() < 0
                && d.significance().startsWith("significant")).map(Delta::name).toList();
        boolean improved = deltas.stream().anyMatch(d -> d.delta() != null && d.delta() > 0
                && d.significance().startsWith("significant"));
        String verdict = !regressed.isEmpty() ? "regressed" : improved ? "improved" : "no_significant_change";
        return new Result(baselineVersion, candidateVersion, baselineStats, candidateStats, deltas, regressed,
                verdict);
    }

    static Map<String, List<Double>> measures(List<StoredEvaluation> sessions) {
        Map<String, List<Double>> m = new LinkedHashMap<>();
        m.put("score", sessions.stream().map(e -> e.scorecard().score()).toList());
        m.put("pass_rate", sessions.stream().map(e -> e.scorecard().passed() ? 1.0 : 0.0).toList());
        m.putAll(SessionStats.samples(sessions));
        return m;
    }

    static Delta delta(String name, List<Double> a, List<Double> b) {
        Double meanA = a.isEmpty() ? null : mean(a);
        Double meanB = b.isEmpty() ? null : mean(b);
        Double delta = meanA == null || meanB == null ? null : SessionStats.round(meanB - meanA);
        return new Delta(name, a.size(), b.size(), meanA == null ? null : SessionStats.round(meanA),
                meanB == null ? null : SessionStats.round(meanB), delta, significance(a, b));
    }

    static String significance(List<Double> a, List<Double> b) {
        if (a.size() < MIN_SAMPLES || b.size() < MIN_SAMPLES) {
            return "too few sessions (need " + MIN_SAMPLES + " per version)";
        }
        double diff = mean(b) - mean(a);
        double se = Math.sqrt(variance(a) / a.size() + variance(b) / b.size());
        if (se == 0) {
            return diff == 0 ? "not significant (identical)" : "significant (no variance)";
        }
        double t = diff / se;
        return Math.abs(t) >= Z_95 ? String.format(java.util.Locale.ROOT, "significant (|t| = %.2f ≥ 1.96)", Math.abs(t))
                : String.format(java.util.Locale.ROOT, "not significant (|t| = %.2f < 1.96)", Math.abs(t));
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    private static double variance(List<Double> values) {
        double mean = mean(values);
        return values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / Math.max(1, values.size() - 1);
    }
}
