package dev.voiceagent.contracts;

import java.util.Map;

/** A finished session's score against the rubric, on {@link Topics#EVALUATIONS}. */
public record EvaluationCompleted(String evaluationId, String agentVersionId, Outcome outcome, double score,
                                  boolean passed, Map<String, Double> criteria) implements VoiceEvent {
}
