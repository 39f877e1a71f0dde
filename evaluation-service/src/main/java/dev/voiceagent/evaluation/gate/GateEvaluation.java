package dev.voiceagent.evaluation.gate;

import dev.voiceagent.evaluation.insight.SessionStats;
import java.time.Instant;
import java.util.List;

/** One evaluation of an agent's launch gate for a version: pass/fail, each criterion's reason, the statistics. */
public record GateEvaluation(String id, String agentKey, String agentVersionId, boolean passed, LaunchGate gate,
                             List<LaunchGate.CriterionResult> criteria, SessionStats stats, Instant from, Instant to,
                             Instant evaluatedAt) {
}
