package dev.voiceagent.bridge.session;

import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome.ToolSummary;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import java.util.List;

/**
 * The outcome vocabulary applied to a finished session (docs/call-flow.md §5): failed on a fatal error, then
 * callback_created if a callback succeeded, transferred if an escalation succeeded, resolved if the caller spoke
 * and the agent answered, otherwise abandoned (always abandoned after an idle hang-up). A failed hand-over is a
 * failure: the reason travels in the outcome's escalation_reason.
 */
final class OutcomeRules {

    private OutcomeRules() {
    }

    static Outcome decide(String failure, List<ToolSummary> tools, boolean callerSpoke, boolean agentAnswered) {
        return decide(failure, tools, callerSpoke, agentAnswered, false, false);
    }

    /**
     * As above; a call the bridge hung up on after repeated silence ({@code idleHangup}) is abandoned unless a
     * hand-over succeeded, and {@code escalationBecameCallback} when the tool executor could not transfer and created
     * a callback instead (its escalation answers {@code outcome: callback_created}), so the call was not transferred.
     */
    static Outcome decide(String failure, List<ToolSummary> tools, boolean callerSpoke, boolean agentAnswered,
                          boolean idleHangup, boolean escalationBecameCallback) {
        if (failure != null) {
            return Outcome.FAILED;
        }
        if (succeeded(tools, "callback") || escalationBecameCallback && succeeded(tools, "escalation")) {
            return Outcome.CALLBACK_CREATED;
        }
        if (succeeded(tools, "escalation")) {
            return Outcome.TRANSFERRED;
        }
        if (idleHangup) {
            return Outcome.ABANDONED;
        }
        if (callerSpoke && agentAnswered) {
            return Outcome.RESOLVED;
        }
        return Outcome.ABANDONED;
    }

    private static boolean succeeded(List<ToolSummary> tools, String tool) {
        return tools.stream().anyMatch(t -> tool.equals(t.tool()) && ToolCompleted.OK.equals(t.status()));
    }
}
