package dev.voiceagent.evaluation.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.evaluation.rubric.Scorecard;
import dev.voiceagent.evaluation.scoring.StoredEvaluation;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SessionStatsTest {

    @Test
    void aSampleCutAtTheCapKeepsTheNewestAndSaysSo() {
        List<StoredEvaluation> newestFirst = IntStream.range(0, EvaluationQuery.MAX_SESSIONS + 1)
                .mapToObj(i -> session(i, i == EvaluationQuery.MAX_SESSIONS)).toList();

        SessionSample sample = SessionSample.capped(newestFirst);

        assertThat(sample.truncated()).isTrue();
        assertThat(sample.sessions()).hasSize(EvaluationQuery.MAX_SESSIONS);
        assertThat(SessionStats.of(sample).passed()).isZero();
        assertThat(SessionStats.of(sample).truncated()).isTrue();
        assertThat(SessionSample.capped(newestFirst.subList(0, 3)).truncated()).isFalse();
    }

    @Test
    void statsStoredBeforeTruncationWasRecordedStillRead() {
        SessionStats stored = EventCodec.mapper().readValue("{\"count\":2,\"passed\":1,\"pass_rate\":0.5,"
                + "\"policy_violations\":0,\"criteria\":{}}", SessionStats.class);
        assertThat(stored.truncated()).isFalse();
    }

    /** A session that passed only when {@code passed} (the oldest one here). */
    private static StoredEvaluation session(int i, boolean passed) {
        return new StoredEvaluation("ev" + i, "t", "CA" + i, "support", "v", "resolved", null,
                new Scorecard("rules-v2", passed ? 1.0 : 0.2, passed, List.of()), null, false, null, "e" + i,
                Instant.now().minusSeconds(i), null, null);
    }
}
