package dev.voiceagent.evaluation.rubric;

import dev.voiceagent.contracts.SessionOutcome;
import java.util.List;
import java.util.Map;

/**
 * Everything known about one finished session: its outcome, the transcript, tool results and tracked session
 * state stored for it, and what the agent's contract asks of it (when the tenant's view describes the version).
 */
public record SessionEvidence(SessionOutcome outcome, List<Turn> turns, List<ToolResult> toolResults,
                              Map<String, String> state, Contract contract) {

    public SessionEvidence {
        turns = turns == null ? List.of() : List.copyOf(turns);
        toolResults = toolResults == null ? List.of() : List.copyOf(toolResults);
        state = state == null ? Map.of() : Map.copyOf(state);
        contract = contract == null ? Contract.UNKNOWN : contract;
    }

    /** Evidence without session state or contract (neither known). */
    public SessionEvidence(SessionOutcome outcome, List<Turn> turns, List<ToolResult> toolResults) {
        this(outcome, turns, toolResults, Map.of(), Contract.UNKNOWN);
    }

    /** One transcript turn; {@code offsetMs} is when it was heard, from the start of the session. */
    public record Turn(String role, String text, int turnIndex, long offsetMs) {

        public Turn(String role, String text, int turnIndex) {
            this(role, text, turnIndex, -1);
        }
    }

    /** One tool call as the executor answered it. */
    public record ToolResult(String toolCallId, String tool, String status, String reason, long latencyMs) {
    }

    /**
     * The agent version's contract as far as the rubric needs it: the agent, the consents it must obtain (null when
     * the version is unknown: the rubric's default applies) and the class of each intent
     * ({@code resolvable}, {@code triage_only}, {@code must_transfer}).
     */
    public record Contract(String agentKey, List<String> consents, Map<String, String> intentClasses) {

        public static final Contract UNKNOWN = new Contract(null, null, Map.of());

        public Contract {
            consents = consents == null ? null : List.copyOf(consents);
            intentClasses = intentClasses == null ? Map.of() : Map.copyOf(intentClasses);
        }
    }
}
