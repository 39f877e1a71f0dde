package dev.voiceagent.evaluation.scoring;

import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.SessionOutcome.ToolSummary;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.contracts.TranscriptTurn;
import dev.voiceagent.evaluation.rubric.SessionEvidence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import reactor.core.publisher.Mono;

/**
 * The stored evidence of a session against what its outcome says exists, and what is still missing. Exact for the
 * media bridge's outcome: it counts {@code caller_turns}/{@code agent_turns} as it publishes each turn on
 * {@code voice.transcripts.v1}; it publishes every state change, the intent it reports included; and it sends every
 * tool call to the tool executor, which answers on {@code voice.tool.results.v1} too (late answers as well, after
 * the bridge's own timeout or the end of the call: {@code timeout}, {@code cancelled}), except those it settles
 * itself: {@code send_dtmf} (played in the call) and calls it refuses (a tool unknown or outside the agent's scope:
 * {@code denied}; arguments that are not JSON: {@code failed}; both recorded with latency 0).
 */
public record EvidenceCheck(SessionEvidence evidence, List<String> missing) {

    public EvidenceCheck {
        missing = List.copyOf(missing);
    }

    public static EvidenceCheck of(SessionEvidence evidence) {
        return new EvidenceCheck(evidence, missing(evidence));
    }

    public boolean complete() {
        return missing.isEmpty();
    }

    /**
     * Looks ({@code gather}) until nothing the outcome announced is missing, again every {@code poll} for about
     * {@code wait}; then the last look, whatever it found. The pauses are timers, never a blocked thread, and a look
     * is never cancelled half-way (a row stream cancelled mid-way can leave its pooled connection stuck).
     */
    public static Mono<EvidenceCheck> await(Mono<SessionEvidence> gather, Duration wait, Duration poll) {
        long looks = Math.max(0, (wait.toMillis() + poll.toMillis() - 1) / poll.toMillis());
        return lookAgain(gather.map(EvidenceCheck::of), looks, poll);
    }

    private static Mono<EvidenceCheck> lookAgain(Mono<EvidenceCheck> look, long looksLeft, Duration poll) {
        return look.flatMap(found -> found.complete() || looksLeft == 0 ? Mono.just(found)
                : Mono.delay(poll).then(Mono.defer(() -> lookAgain(look, looksLeft - 1, poll))));
    }

    static List<String> missing(SessionEvidence evidence) {
        SessionOutcome outcome = evidence.outcome();
        List<String> missing = new ArrayList<>();
        turns(evidence, TranscriptTurn.CALLER, outcome.callerTurns(), missing);
        turns(evidence, TranscriptTurn.AGENT, outcome.agentTurns(), missing);
        Set<String> stored = evidence.toolResults().stream().map(SessionEvidence.ToolResult::toolCallId)
                .collect(Collectors.toSet());
        List<String> unanswered = (outcome.tools() == null ? List.<ToolSummary>of() : outcome.tools()).stream()
                .filter(EvidenceCheck::reachedExecutor).map(ToolSummary::toolCallId)
                .filter(id -> !stored.contains(id)).distinct().toList();
        if (!unanswered.isEmpty()) {
            missing.add("no result for tool calls " + String.join(", ", unanswered));
        }
        if (outcome.intent() != null && !outcome.intent().equals(evidence.state().get("intent"))) {
            missing.add("no state for intent " + outcome.intent());
        }
        return missing;
    }

    /** Whether the bridge sent the call to the tool executor (whose answer then reaches the results topic). */
    static boolean reachedExecutor(ToolSummary tool) {
        boolean executable = tool.toolCallId() != null
                && ToolName.find(tool.tool()).filter(name -> !name.inCall()).isPresent();
        boolean refusedByBridge = tool.latencyMs() == 0
                && (ToolCompleted.DENIED.equals(tool.status()) || ToolCompleted.FAILED.equals(tool.status()));
        return executable && !refusedByBridge;
    }

    private static void turns(SessionEvidence evidence, String role, int announced, List<String> missing) {
        long stored = evidence.turns().stream().filter(t -> role.equals(t.role())).count();
        if (stored < announced) {
            missing.add(stored + " of " + announced + " " + role + " turns");
        }
    }
}
