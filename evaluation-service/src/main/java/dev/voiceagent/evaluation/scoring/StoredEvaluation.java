package dev.voiceagent.evaluation.scoring;

import dev.voiceagent.evaluation.judge.JudgeVerdict;
import dev.voiceagent.evaluation.rubric.Scorecard;
import java.time.Instant;

/**
 * An evaluation as stored: one per call SID, with the model judge's verdict kept apart from the rule score;
 * {@code evidenceNote} says what the outcome announced that was still missing when it was scored (null: nothing).
 */
public record StoredEvaluation(String evaluationId, String tenantId, String callSid, String agentKey,
                               String agentVersionId, String outcome, String intent, Scorecard scorecard,
                               Long timeToFirstAudioMs, boolean synthetic, JudgeVerdict judge, String eventId,
                               Instant evaluatedAt, Instant publishedAt, String evidenceNote) {
}
