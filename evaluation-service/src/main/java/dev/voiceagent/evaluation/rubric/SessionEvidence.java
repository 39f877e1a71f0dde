package dev.voiceagent.evaluation.rubric;

import dev.voiceagent.contracts.SessionOutcome;
import java.util.List;

/** Everything known about one finished session: its outcome and the transcript and tool results stored for it. */
public record SessionEvidence(SessionOutcome outcome, List<Turn> turns, List<ToolResult> toolResults) {

    /** One transcript turn. */
    public record Turn(String role, String text, int turnIndex) {
    }

    /** One tool call as the executor answered it. */
    public record ToolResult(String toolCallId, String tool, String status, String reason, long latencyMs) {
    }
}
