package dev.voiceagent.evaluation.rubric;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.SessionOutcome.ToolSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RubricTest {

    final Rubric rubric = new Rubric(new RubricProperties(Duration.ofMillis(1000), 0.7));

    static SessionOutcome outcome(Outcome outcome, Long ttfa, int callerTurns, int agentTurns, int interruptions,
                                  List<ToolSummary> tools, String escalationReason) {
        Instant start = Instant.parse("2030-01-01T10:00:00Z");
        return new SessionOutcome(outcome, "account_balance", "v1", "+15555550100", start, start.plusSeconds(60),
                60_000, ttfa, callerTurns, agentTurns, interruptions, tools, escalationReason, "summary");
    }

    static SessionEvidence evidence(SessionOutcome outcome, SessionEvidence.ToolResult... results) {
        return new SessionEvidence(outcome, List.of(), List.of(results));
    }

    double criterion(Scorecard card, String name) {
        return card.scoresByName().get(name);
    }

    @Test
    void aCleanResolvedCallScoresFullMarksAndPasses() {
        Scorecard card = rubric.score(evidence(outcome(Outcome.RESOLVED, 800L, 2, 2, 0,
                List.of(new ToolSummary("t1", "lookup", "ok", 40)), null)));
        assertThat(card.score()).isEqualTo(1.0);
        assertThat(card.passed()).isTrue();
        assertThat(card.criteria()).extracting(Scorecard.Criterion::name).containsExactly("resolution",
                "tool_policy", "escalation", "responsiveness", "tool_reliability", "responded", "interruptions",
                "consents", "authentication", "dead_air", "intent_outcome");
        assertThat(card.criteria().stream().mapToDouble(Scorecard.Criterion::weight).sum()).isEqualTo(1.0,
                org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void resolutionFollowsTheOutcome() {
        assertThat(Rubric.resolution(Outcome.RESOLVED).score()).isEqualTo(1.0);
        assertThat(Rubric.resolution(Outcome.CALLBACK_CREATED).score()).isEqualTo(0.7);
        assertThat(Rubric.resolution(Outcome.FAILED_AUTHENTICATION).score()).isEqualTo(0.4);
        assertThat(Rubric.resolution(Outcome.ABANDONED).score()).isEqualTo(0.0);
    }

    @Test
    void aDeniedToolFailsPolicyAndTheSessionEvenWithAHighScore() {
        Scorecard card = rubric.score(evidence(outcome(Outcome.RESOLVED, 500L, 1, 1, 0,
                List.of(new ToolSummary("t1", "sms", "ok", 10)), null),
                new SessionEvidence.ToolResult("t1", "sms", "denied", "not allowed", 3)));
        assertThat(criterion(card, "tool_policy")).isEqualTo(0.0);
        assertThat(criterion(card, "tool_reliability")).isEqualTo(1.0);
        assertThat(card.score()).isGreaterThan(0.7);
        assertThat(card.passed()).isFalse();
    }

    @Test
    void requiredEscalationMustBeHandedOver() {
        var missed = rubric.score(evidence(outcome(Outcome.RESOLVED, 500L, 1, 1, 0, List.of(), "payment dispute")));
        var honoured = rubric.score(evidence(outcome(Outcome.TRANSFERRED, 500L, 1, 1, 0, List.of(), "payment dispute")));
        assertThat(criterion(missed, "escalation")).isEqualTo(0.0);
        assertThat(missed.passed()).isFalse();
        assertThat(criterion(honoured, "escalation")).isEqualTo(1.0);
        assertThat(honoured.passed()).isTrue();
    }

    @Test
    void responsivenessFallsLinearlyFromTheThresholdToTwiceIt() {
        assertThat(criterion(rubric.score(evidence(outcome(Outcome.RESOLVED, 1000L, 1, 1, 0, List.of(), null))),
                "responsiveness")).isEqualTo(1.0);
        assertThat(criterion(rubric.score(evidence(outcome(Outcome.RESOLVED, 1500L, 1, 1, 0, List.of(), null))),
                "responsiveness")).isEqualTo(0.5);
        assertThat(criterion(rubric.score(evidence(outcome(Outcome.RESOLVED, 5000L, 1, 1, 0, List.of(), null))),
                "responsiveness")).isEqualTo(0.0);
        assertThat(criterion(rubric.score(evidence(outcome(Outcome.ABANDONED, null, 0, 0, 0, List.of(), null))),
                "responsiveness")).isEqualTo(0.0);
    }

    @Test
    void failedAndTimedOutToolsLowerReliability() {
        Scorecard card = rubric.score(evidence(outcome(Outcome.RESOLVED, 500L, 1, 1, 0, List.of(
                new ToolSummary("t1", "lookup", "ok", 10), new ToolSummary("t2", "lookup", "timeout", 3000)), null),
                new SessionEvidence.ToolResult("t2", "lookup", "ok", null, 2900)));
        assertThat(criterion(card, "tool_reliability")).isEqualTo(0.5);
    }

    @Test
    void interruptionsAndSilenceCount() {
        assertThat(Rubric.interruptions(2).score()).isEqualTo(0.5);
        assertThat(Rubric.interruptions(9).score()).isEqualTo(0.0);
        Scorecard unanswered = rubric.score(evidence(outcome(Outcome.FAILED, 500L, 3, 0, 0, List.of(), null)));
        assertThat(criterion(unanswered, "responded")).isEqualTo(0.0);
        assertThat(unanswered.passed()).isFalse();
    }

    static SessionEvidence withTurns(SessionOutcome outcome, List<SessionEvidence.Turn> turns,
                                     java.util.Map<String, String> state, SessionEvidence.Contract contract,
                                     SessionEvidence.ToolResult... results) {
        return new SessionEvidence(outcome, turns, List.of(results), state, contract);
    }

    @Test
    void requiredConsentsMustBeAskedByTheAgent() {
        var contract = new SessionEvidence.Contract("support", List.of("ai_disclosure", "recording"), java.util.Map.of());
        SessionOutcome o = outcome(Outcome.RESOLVED, 500L, 1, 1, 0, List.of(), null);
        Scorecard asked = rubric.score(withTurns(o, List.of(
                new SessionEvidence.Turn("agent", "Hi, I'm a virtual assistant. This call may be Recorded.", 0, 0)),
                java.util.Map.of(), contract));
        Scorecard half = rubric.score(withTurns(o, List.of(
                new SessionEvidence.Turn("agent", "Hi, I'm a virtual assistant.", 0, 0),
                new SessionEvidence.Turn("caller", "this call is recorded?", 1, 900)),
                java.util.Map.of(), contract));
        assertThat(criterion(asked, "consents")).isEqualTo(1.0);
        assertThat(criterion(half, "consents")).isEqualTo(0.5);
        assertThat(half.criteria().stream().filter(c -> c.name().equals("consents")).findFirst().orElseThrow()
                .detail()).isEqualTo("not asked: recording");
        assertThat(half.passed()).isFalse();
        Scorecard configured = new Rubric(new RubricProperties(Duration.ofMillis(1000), 0.7), new RubricChecks(
                java.util.Map.of("recording", List.of("monitored")), List.of("recording"), null, null, null, null))
                .score(withTurns(o, List.of(new SessionEvidence.Turn("agent", "calls are monitored", 0, 0)),
                        java.util.Map.of(), SessionEvidence.Contract.UNKNOWN));
        assertThat(criterion(configured, "consents")).isEqualTo(1.0);
    }

    @Test
    void accountDataAfterFailedAuthenticationFails() {
        SessionOutcome failedAuth = outcome(Outcome.FAILED_AUTHENTICATION, 500L, 2, 2, 0,
                List.of(new ToolSummary("t1", "lookup", "ok", 40)), null);
        assertThat(criterion(rubric.score(evidence(failedAuth)), "authentication")).isEqualTo(0.0);
        SessionOutcome resolved = outcome(Outcome.RESOLVED, 500L, 2, 2, 0,
                List.of(new ToolSummary("t1", "lookup", "ok", 40)), null);
        assertThat(criterion(rubric.score(withTurns(resolved, List.of(), java.util.Map.of("caller_identity", "failed"),
                null)), "authentication")).isEqualTo(0.0);
        assertThat(criterion(rubric.score(withTurns(resolved, List.of(), java.util.Map.of("caller_identity", "Verified"),
                null)), "authentication")).isEqualTo(1.0);
        assertThat(criterion(rubric.score(evidence(outcome(Outcome.FAILED_AUTHENTICATION, 500L, 2, 2, 0, List.of(),
                null))), "authentication")).isEqualTo(1.0);
    }

    @Test
    void slowAgentRepliesAndSlowToolsAreDeadAir() {
        SessionOutcome o = outcome(Outcome.RESOLVED, 500L, 2, 2, 0, List.of(), null);
        Scorecard card = rubric.score(withTurns(o, List.of(
                new SessionEvidence.Turn("caller", "hello", 0, 1000),
                new SessionEvidence.Turn("agent", "hi", 1, 7000),
                new SessionEvidence.Turn("caller", "balance?", 2, 20000),
                new SessionEvidence.Turn("agent", "42", 3, 21000)), java.util.Map.of(), null,
                new SessionEvidence.ToolResult("t1", "lookup", "ok", null, 4000)));
        assertThat(criterion(card, "dead_air")).isEqualTo(0.5);
        assertThat(criterion(rubric.score(evidence(o)), "dead_air")).isEqualTo(1.0);
    }

    @Test
    void theOutcomeMustFitTheIntentsClass() {
        var contract = new SessionEvidence.Contract("support", List.of(), java.util.Map.of(
                "account_balance", "must_transfer"));
        assertThat(criterion(rubric.score(withTurns(outcome(Outcome.RESOLVED, 500L, 1, 1, 0, List.of(), null),
                List.of(), java.util.Map.of(), contract)), "intent_outcome")).isEqualTo(0.0);
        assertThat(criterion(rubric.score(withTurns(outcome(Outcome.TRANSFERRED, 500L, 1, 1, 0, List.of(), null),
                List.of(), java.util.Map.of(), contract)), "intent_outcome")).isEqualTo(1.0);
        assertThat(criterion(rubric.score(evidence(outcome(Outcome.TRANSFERRED, 500L, 1, 1, 0, List.of(), null))),
                "intent_outcome")).isEqualTo(0.7);
        assertThat(criterion(rubric.score(evidence(outcome(Outcome.ABANDONED, 500L, 1, 1, 0, List.of(), null))),
                "intent_outcome")).isEqualTo(0.0);
    }
}
