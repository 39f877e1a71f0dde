package dev.voiceagent.evaluation.judge;

import java.time.Instant;

/**
 * The model judge's view of one session, stored beside (never mixed into) the rule score: {@code status} is
 * {@code judged} with a score, a verdict and a rationale, or {@code unavailable} with the reason.
 */
public record JudgeVerdict(String status, String model, Double score, Boolean passed, String rationale,
                           Instant judgedAt) {

    public static final String JUDGED = "judged";
    public static final String UNAVAILABLE = "unavailable";

    static JudgeVerdict judged(String model, double score, boolean passed, String rationale) {
        return new JudgeVerdict(JUDGED, model, score, passed, rationale, Instant.now());
    }

    static JudgeVerdict unavailable(String model, String reason) {
        return new JudgeVerdict(UNAVAILABLE, model, null, null, reason, Instant.now());
    }
}
