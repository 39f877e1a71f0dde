package dev.voiceagent.evaluation.rubric;

import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.TranscriptTurn;
import dev.voiceagent.evaluation.rubric.Scorecard.Criterion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The deterministic rubric: every criterion is a pure function of the session's evidence, scored 0..1, and the
 * overall score is their weighted mean. A session passes when the overall score reaches the pass threshold and
 * neither hard policy criterion ({@code tool_policy}, {@code escalation}) failed. All rules live here.
 */
@Component
public class Rubric {

    public static final String VERSION = "rules-v1";

    static final String RESOLUTION = "resolution";
    static final String TOOL_POLICY = "tool_policy";
    static final String ESCALATION = "escalation";
    static final String RESPONSIVENESS = "responsiveness";
    static final String TOOL_RELIABILITY = "tool_reliability";
    static final String RESPONDED = "responded";
    static final String INTERRUPTIONS = "interruptions";

    static final Map<String, Double> WEIGHTS = weights();
    private static final Set<String> HARD_GATES = Set.of(TOOL_POLICY, ESCALATION);
    private static final Set<Outcome> HANDED_OVER = Set.of(Outcome.TRANSFERRED, Outcome.CALLBACK_CREATED);

    private final long firstAudioThresholdMs;
    private final double passThreshold;

    public Rubric(RubricProperties properties) {
        this.firstAudioThresholdMs = properties.firstAudioThreshold().toMillis();
        this.passThreshold = properties.passThreshold();
    }

    public Scorecard score(SessionEvidence evidence) {
        List<ToolView> tools = tools(evidence);
        SessionOutcome outcome = evidence.outcome();
        List<Criterion> criteria = List.of(
                resolution(outcome.outcome()),
                toolPolicy(tools),
                escalation(outcome),
                responsiveness(outcome),
                toolReliability(tools),
                responded(outcome, evidence.turns()),
                interruptions(outcome.interruptions()));
        double overall = round(criteria.stream().mapToDouble(c -> c.score() * c.weight()).sum());
        boolean gatesHeld = criteria.stream().filter(c -> HARD_GATES.contains(c.name())).allMatch(c -> c.score() == 1.0);
        return new Scorecard(VERSION, overall, gatesHeld && overall >= passThreshold, criteria);
    }

    static Criterion resolution(Outcome outcome) {
        double score = switch (outcome) {
            case RESOLVED -> 1.0;
            case TRANSFERRED, CALLBACK_CREATED -> 0.7;
            case FAILED_AUTHENTICATION -> 0.4;
            case NO_ANSWER, ABANDONED, FAILED -> 0.0;
        };
        return criterion(RESOLUTION, score, "outcome " + outcome.wire());
    }

    static Criterion toolPolicy(List<ToolView> tools) {
        long denied = tools.stream().filter(ToolView::denied).count();
        return criterion(TOOL_POLICY, denied == 0 ? 1.0 : 0.0, denied == 0
                ? "no tool call outside the agent's scope"
                : denied + " of " + tools.size() + " tool calls were denied as out of scope");
    }

    static Criterion escalation(SessionOutcome outcome) {
        boolean required = outcome.escalationReason() != null && !outcome.escalationReason().isBlank();
        if (!required) {
            return criterion(ESCALATION, 1.0, "no escalation required");
        }
        boolean handedOver = HANDED_OVER.contains(outcome.outcome());
        return criterion(ESCALATION, handedOver ? 1.0 : 0.0, handedOver
                ? "escalation required and handed over (" + outcome.outcome().wire() + ")"
                : "escalation required (" + outcome.escalationReason() + ") but the call ended "
                        + outcome.outcome().wire());
    }

    Criterion responsiveness(SessionOutcome outcome) {
        Long ttfa = outcome.timeToFirstAudioMs();
        if (ttfa == null) {
            boolean agentSpoke = outcome.agentTurns() > 0;
            return criterion(RESPONSIVENESS, agentSpoke ? 0.5 : 0.0,
                    agentSpoke ? "time to first audio not measured" : "the agent never spoke");
        }
        double score = ttfa <= firstAudioThresholdMs ? 1.0
                : Math.max(0.0, 1.0 - (double) (ttfa - firstAudioThresholdMs) / firstAudioThresholdMs);
        return criterion(RESPONSIVENESS, score,
                "first audio after " + ttfa + " ms (threshold " + firstAudioThresholdMs + " ms)");
    }

    static Criterion toolReliability(List<ToolView> tools) {
        List<ToolView> inScope = tools.stream().filter(t -> !t.denied()).toList();
        if (inScope.isEmpty()) {
            return criterion(TOOL_RELIABILITY, 1.0, "no tool calls in scope");
        }
        long ok = inScope.stream().filter(t -> ToolCompleted.OK.equals(t.status())).count();
        return criterion(TOOL_RELIABILITY, (double) ok / inScope.size(), ok + " of " + inScope.size() + " tool calls ok");
    }

    static Criterion responded(SessionOutcome outcome, List<SessionEvidence.Turn> turns) {
        long callerTurns = Math.max(outcome.callerTurns(), count(turns, TranscriptTurn.CALLER));
        long agentTurns = Math.max(outcome.agentTurns(), count(turns, TranscriptTurn.AGENT));
        if (callerTurns == 0) {
            return criterion(RESPONDED, 1.0, "the caller never spoke");
        }
        return criterion(RESPONDED, agentTurns > 0 ? 1.0 : 0.0,
                agentTurns + " agent turns for " + callerTurns + " caller turns");
    }

    static Criterion interruptions(int interruptions) {
        return criterion(INTERRUPTIONS, Math.max(0.0, 1.0 - 0.25 * interruptions),
                interruptions + " caller interruptions");
    }

    /**
     * Tool calls by id from both the session's summary (what the caller experienced, e.g. a bridge timeout) and
     * the executor's results (what the executor decided, e.g. a denial): the session's status wins, except that a
     * denial recorded by either side stays a denial.
     */
    static List<ToolView> tools(SessionEvidence evidence) {
        Map<String, ToolView> byId = new LinkedHashMap<>();
        for (SessionEvidence.ToolResult r : evidence.toolResults()) {
            byId.put(r.toolCallId(), new ToolView(r.toolCallId(), r.tool(), r.status(),
                    ToolCompleted.DENIED.equals(r.status())));
        }
        List<SessionOutcome.ToolSummary> summaries = evidence.outcome().tools() == null ? List.of()
                : evidence.outcome().tools();
        for (SessionOutcome.ToolSummary s : summaries) {
            ToolView stored = byId.get(s.toolCallId());
            boolean denied = ToolCompleted.DENIED.equals(s.status()) || (stored != null && stored.denied());
            byId.put(s.toolCallId(), new ToolView(s.toolCallId(), s.tool(), s.status(), denied));
        }
        return new ArrayList<>(byId.values());
    }

    private static long count(List<SessionEvidence.Turn> turns, String role) {
        return turns.stream().filter(t -> role.equals(t.role())).count();
    }

    private static Criterion criterion(String name, double score, String detail) {
        return new Criterion(name, round(score), WEIGHTS.get(name), detail);
    }

    private static double round(double value) {
        return Math.round(value * 10_000) / 10_000.0;
    }

    private static Map<String, Double> weights() {
        Map<String, Double> w = new LinkedHashMap<>();
        w.put(RESOLUTION, 0.30);
        w.put(TOOL_POLICY, 0.15);
        w.put(ESCALATION, 0.15);
        w.put(RESPONSIVENESS, 0.15);
        w.put(TOOL_RELIABILITY, 0.10);
        w.put(RESPONDED, 0.10);
        w.put(INTERRUPTIONS, 0.05);
        return Map.copyOf(w);
    }

    /** A tool call merged from both sources. */
    record ToolView(String toolCallId, String tool, String status, boolean denied) {
    }
}
