package dev.voiceagent.evaluation.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.evaluation.rubric.Scorecard;
import dev.voiceagent.evaluation.scoring.StoredEvaluation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegressionTest {

    static StoredEvaluation session(int i, double resolution, double policy, long ttfa) {
        List<Scorecard.Criterion> criteria = List.of(new Scorecard.Criterion("resolution", resolution, 0.5, ""),
                new Scorecard.Criterion("tool_policy", policy, 0.5, ""));
        double score = 0.5 * resolution + 0.5 * policy;
        return new StoredEvaluation("ev" + i, "t", "CA" + i, "support", "v", "resolved", null,
                new Scorecard("rules-v2", score, score >= 0.7 && policy == 1.0, criteria), ttfa, false, null, "e",
                Instant.now(), null, null);
    }

    static List<StoredEvaluation> sessions(int n, double resolution, double jitter) {
        List<StoredEvaluation> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(session(i, Math.max(0, Math.min(1, resolution + (i % 2 == 0 ? jitter : -jitter))), 1.0, 100L * (i + 1)));
        }
        return list;
    }

    @Test
    void aClearDropInACriterionIsASignificantRegression() {
        var result = Regression.compare("v1", sessions(10, 0.95, 0.05), "v2", sessions(10, 0.4, 0.05));
        assertThat(result.verdict()).isEqualTo("regressed");
        assertThat(result.regressions()).contains("resolution", "score");
        Regression.Delta resolution = result.criteria().stream().filter(d -> d.name().equals("resolution"))
                .findFirst().orElseThrow();
        assertThat(resolution.delta()).isEqualTo(-0.55);
        assertThat(resolution.significance()).startsWith("significant");
        Regression.Delta policy = result.criteria().stream().filter(d -> d.name().equals("tool_policy"))
                .findFirst().orElseThrow();
        assertThat(policy.delta()).isEqualTo(0.0);
        assertThat(policy.significance()).startsWith("not significant");
    }

    @Test
    void fewSessionsAreSaidPlainly() {
        var result = Regression.compare("v1", sessions(3, 0.9, 0.0), "v2", sessions(3, 0.1, 0.0));
        assertThat(result.verdict()).isEqualTo("no_significant_change");
        assertThat(result.criteria()).allMatch(d -> d.significance().startsWith("too few sessions"));
    }

    @Test
    void statsCountPassRateP95AndPolicyViolations() {
        List<StoredEvaluation> list = new ArrayList<>(sessions(19, 1.0, 0.0));
        list.add(session(99, 1.0, 0.0, 5000L));
        SessionStats stats = SessionStats.of(list);
        assertThat(stats.count()).isEqualTo(20);
        assertThat(stats.policyViolations()).isEqualTo(1);
        assertThat(stats.passRate()).isEqualTo(0.95);
        assertThat(stats.p95TimeToFirstAudioMs()).isEqualTo(1900L);
        assertThat(stats.criteria()).containsEntry("tool_policy", 0.95);
    }
}
