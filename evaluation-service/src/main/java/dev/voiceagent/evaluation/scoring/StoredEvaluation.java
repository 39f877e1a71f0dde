package dev.voiceagent.evaluation.scoring;

import dev.voiceagent.evaluation.rubric.Scorecard;
import java.time.Instant;

/** An evaluation as stored: one per call SID. */
public record StoredEvaluation(String evaluationId, String tenantId, String callSid, String agentVersionId,
                               String outcome, String intent, Scorecard scorecard, String eventId,
                               Instant evaluatedAt, Instant publishedAt) {
}
