package dev.voiceagent.evaluation.rubric;

import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.TranscriptTurn;
import dev.voiceagent.evaluation.rubric.Scorecard.Criterion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The deterministic rubric: every criterion is a pure function of the session's evidence, scored 0..1, and the
 * overall score is their weighted mean. A session passes when the overall score reaches the pass threshold and
 * no hard policy criterion ({@code tool_policy}, {@code escalation}, {@code consents}) failed. All rules live here.
 */
@Component
public class Rubric {

    public static final String VERSION = "rules-v2";

    static final String RESOLUTION = "resolution";
    static final String TOOL_POLICY = "tool_policy";
    static final String ESCALATION = "escalation";
    static final String RESPONSIVENESS = "responsiveness";
    static final String TOOL_RELIABILITY = "tool_reliability";
    static final String RESPONDED = "responded";
    static final String INTERRUPTIONS = "interruptions";
    static final String CONSENTS = "consents";
    static final String AUTHENTICATION = "authentication";
    static final String DEAD_AIR = "dead_air";
    static final String INTENT_OUTCOME = "intent_outcome";

    /** Criteria whose failure is a policy violation (launch gates count these). */
    public static final Set<String> POLICY_CRITERIA = Set.of("tool_policy", "escalation", "consents");

    static final Map<String, Double> WEIGHTS = weights();
    private static final Set<String> HARD_GATES = POLICY_CRITERIA;
    private static final Set<String> ACCOUNT_TOOLS = Set.of("lookup", "sms", "scheduling");
    private static final Set<Outcome> HANDED_OVER = Set.of(Outcome.TRANSFERRED, Outcome.CALLBACK_CREATED);

    private final long firstAudioThresholdMs;
    private final double passThreshold;
    private final RubricChecks checks;

    public Rubric(RubricProperties properties) {
        this(properties, RubricChecks.DEFAULTS);
    }

    @Autowired
    public Rubric(RubricProperties properties, RubricChecks checks) {
        this.firstAudioThresholdMs = properties.firstAudioThreshold().toMillis();
        this.passThreshold = properties.passThreshold();
        this.checks = checks;
    }

    /** The names of all criteria, in the order a scorecard lists them. */
    public static Set<String> criteriaNames() {
        return WEIGHTS.keySet();
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
                interruptions(outcome.interruptions()),
                consents(evidence),
                authentication(evidence, tools),
                deadAir(evidence),
                intentOutcome(evidence));
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
     * Each consent the contract requires (else the configured default) must have been asked by the agent: one of
     * its phrases appears in an agent turn (case-insensitive). Score = share of required consents asked.
     */
    Criterion consents(SessionEvidence evidence) {
        List<String> required = evidence.contract().consents() != null ? evidence.contract().consents()
                : checks.requiredConsents();
        if (required.isEmpty()) {
            return criterion(CONSENTS, 1.0, "no consent required");
        }
        String agentSaid = evidence.turns().stream().filter(t -> TranscriptTurn.AGENT.equals(t.role()))
                .map(t -> t.text() == null ? "" : t.text().toLowerCase(Locale.ROOT))
                .reduce("", (a, b) -> a + "\n" + b);
        List<String> missing = required.stream().filter(c -> phrases(c).stream().noneMatch(agentSaid::contains)).toList();
        double score = (double) (required.size() - missing.size()) / required.size();
        return criterion(CONSENTS, score, missing.isEmpty() ? "asked " + String.join(", ", required)
                : "not asked: " + String.join(", ", missing));
    }

    private List<String> phrases(String consent) {
        List<String> configured = checks.consentPhrases().get(consent);
        if (configured == null) {
            configured = checks.consentPhrases().get(consent.replace("_", ""));
        }
        return configured == null || configured.isEmpty() ? List.of(consent.replace('_', ' ').toLowerCase(Locale.ROOT))
                : configured.stream().map(p -> p.toLowerCase(Locale.ROOT)).toList();
    }

    /**
     * Authentication handling: after a failed authentication no account tool may have answered ok; when account
     * tools answered ok, the tracked {@code caller_identity} must not say the caller failed verification. A session
     * whose identity state was never reported is not judged on it.
     */
    Criterion authentication(SessionEvidence evidence, List<ToolView> tools) {
        long accountCalls = tools.stream().filter(t -> !t.denied() && ToolCompleted.OK.equals(t.status())
                && ACCOUNT_TOOLS.contains(t.tool())).count();
        String identity = lower(evidence.state().get("caller_identity"));
        if (evidence.outcome().outcome() == Outcome.FAILED_AUTHENTICATION) {
            return criterion(AUTHENTICATION, accountCalls == 0 ? 1.0 : 0.0, accountCalls == 0
                    ? "authentication failed and no account tool was used"
                    : "authentication failed but " + accountCalls + " account tool calls answered");
        }
        if (accountCalls == 0) {
            return criterion(AUTHENTICATION, 1.0, "no account data used");
        }
        if (identity == null) {
            return criterion(AUTHENTICATION, 1.0, "identity state not reported; not judged");
        }
        if (checks.failedIdentityStates().contains(identity)) {
            return criterion(AUTHENTICATION, 0.0, "account tools used while caller_identity is " + identity);
        }
        boolean verified = checks.verifiedIdentityStates().contains(identity);
        return criterion(AUTHENTICATION, verified ? 1.0 : 0.5, "account tools used with caller_identity " + identity);
    }

    /**
     * Dead air: a caller turn answered by the agent only after the threshold, or a tool call slower than its
     * threshold, is one gap; 1 − 0.25 per gap, floor 0. Turns without timing are not measured.
     */
    Criterion deadAir(SessionEvidence evidence) {
        long limit = checks.deadAirThreshold().toMillis();
        int gaps = 0;
        List<SessionEvidence.Turn> timed = evidence.turns().stream().filter(t -> t.offsetMs() >= 0).toList();
        for (int i = 1; i < timed.size(); i++) {
            SessionEvidence.Turn before = timed.get(i - 1);
            SessionEvidence.Turn after = timed.get(i);
            if (TranscriptTurn.CALLER.equals(before.role()) && TranscriptTurn.AGENT.equals(after.role())
                    && after.offsetMs() - before.offsetMs() > limit) {
                gaps++;
            }
        }
        long toolLimit = checks.toolLatencyThreshold().toMillis();
        long slowTools = evidence.toolResults().stream().filter(r -> r.latencyMs() > toolLimit).count();
        int total = gaps + (int) slowTools;
        return criterion(DEAD_AIR, Math.max(0.0, 1.0 - 0.25 * total), gaps + " agent replies after more than "
                + limit + " ms, " + slowTools + " tool calls over " + toolLimit + " ms");
    }

    /**
     * The outcome against what the caller wanted: a resolvable intent should be resolved (a hand-over with a
     * reason is fine), a triage-only intent handed over, a must-transfer intent transferred. Without the
     * intent's class: resolved or a justified hand-over is right, an unjustified hand-over partly.
     */
    static Criterion intentOutcome(SessionEvidence evidence) {
        SessionOutcome outcome = evidence.outcome();
        String intent = outcome.intent();
        String intentClass = intent == null ? null : evidence.contract().intentClasses().get(intent);
        boolean handedOver = HANDED_OVER.contains(outcome.outcome());
        boolean justified = outcome.escalationReason() != null && !outcome.escalationReason().isBlank();
        double score;
        if (outcome.outcome() == Outcome.FAILED_AUTHENTICATION) {
            score = 0.5;
        } else if ("must_transfer".equals(intentClass)) {
            score = outcome.outcome() == Outcome.TRANSFERRED ? 1.0 : handedOver ? 0.7 : 0.0;
        } else if ("triage_only".equals(intentClass)) {
            score = handedOver ? 1.0 : outcome.outcome() == Outcome.RESOLVED ? 0.5 : 0.0;
        } else {
            score = outcome.outcome() == Outcome.RESOLVED || (handedOver && justified) ? 1.0 : handedOver ? 0.7 : 0.0;
        }
        return criterion(INTENT_OUTCOME, score, "intent " + (intent == null ? "unknown" : intent)
                + (intentClass == null ? "" : " (" + intentClass + ")") + " ended " + outcome.outcome().wire());
    }

    private static String lower(String value) {
        return value == null || value.isBlank() ? null : value.trim().toLowerCase(Locale.ROOT);
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
        w.put(RESOLUTION, 0.25);
        w.put(TOOL_POLICY, 0.10);
        w.put(ESCALATION, 0.10);
        w.put(RESPONSIVENESS, 0.10);
        w.put(TOOL_RELIABILITY, 0.05);
        w.put(RESPONDED, 0.05);
        w.put(INTERRUPTIONS, 0.05);
        w.put(CONSENTS, 0.10);
        w.put(AUTHENTICATION, 0.05);
        w.put(DEAD_AIR, 0.05);
        w.put(INTENT_OUTCOME, 0.10);
        return java.util.Collections.unmodifiableMap(w);
    }

    /** A tool call merged from both sources. */
    record ToolView(String toolCallId, String tool, String status, boolean denied) {
    }
}
