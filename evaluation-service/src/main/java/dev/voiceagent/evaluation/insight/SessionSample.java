package dev.voiceagent.evaluation.insight;

import dev.voiceagent.evaluation.scoring.StoredEvaluation;
import java.util.List;

/** The sessions one query read, newest first, and whether older matching sessions were left out by the cap. */
public record SessionSample(List<StoredEvaluation> sessions, boolean truncated) {

    public SessionSample {
        sessions = List.copyOf(sessions);
    }

    /** At most {@link EvaluationQuery#MAX_SESSIONS} of {@code newestFirst}, read with one row more to tell a cut. */
    public static SessionSample capped(List<StoredEvaluation> newestFirst) {
        boolean truncated = newestFirst.size() > EvaluationQuery.MAX_SESSIONS;
        return new SessionSample(truncated ? newestFirst.subList(0, EvaluationQuery.MAX_SESSIONS) : newestFirst,
                truncated);
    }
}
