package dev.voiceagent.bridge.session;

import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome.ToolSummary;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import java.util.List;

/**
 * The outcome vocabulary applied to a finished session (docs/call-flow.md §5): failed on a fatal error, then
 * callback_created if a callback succeeded, transferred if an escalation succeeded, resolved if the caller spoke
 * and the agent answered, otherwise abandoned (always abandoned when the bridge hung up). A failed hand-over is a
 * failure: the reason travels in the outcome's escalation_reason.
 */
final class OutcomeRules {

    private OutcomeRules() {
    }

    static Outcome decide(String failure, List<ToolSummary> tools, boolean callerSpoke, boolean agentAnswered) {
        return decide(failure, tools, callerSpoke, agentAnswered, false, false, false);
    }

    /**
     * As above; a call the bridge hung up on ({@code bridgeHungUp}: after repeated silence, or after a goodbye because
     * the contract ended it or it lasted its maximum duration) is abandoned unless a hand-over succeeded: nobody can
     * tell that the caller's matter was settled. {@code escalationBecameCallback}: the tool executor could not
     * transfer and created a callback instead (its escalation answers {@code outcome: callback_created}), so the call
     * was not transferred. {@code transferSeen}: a transfer the tool executor could not confirm (its escalation
     * answered {@code unconfirmed}, status failed) that Twilio's stop showed to have taken the call.
     */
    static Outcome decide(String failure, List<ToolSummary> tools, boolean callerSpoke, boolean agentAnswered,
                          boolean bridgeHungUp, boolean escalationBecameCallback, boolean transferSeen) {
        if (failure != null) {
            return Outcome.FAILED;
        }
        if (succeeded(tools, "callback") || escalationBecameCallback && succeeded(tools, "escalation")) {
            return Outcome.CALLBACK_CREATED;
        }
        if (succeeded(tools, "escalation") || transferSeen) {
            return Outcome.TRANSFERRED;
        }
        if (bridgeHungUp) {
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
