package dev.voiceagent.evaluation.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.SessionOutcome.ToolSummary;
import dev.voiceagent.evaluation.rubric.SessionEvidence;
import dev.voiceagent.evaluation.rubric.SessionEvidence.Contract;
import dev.voiceagent.evaluation.rubric.SessionEvidence.ToolResult;
import dev.voiceagent.evaluation.rubric.SessionEvidence.Turn;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class EvidenceCheckTest {

    static final List<Turn> TWO_TURNS = List.of(new Turn("caller", "hi", 0, 100), new Turn("agent", "hello", 1, 900));

    static Stream<Arguments> evidence() {
        return Stream.of(
                Arguments.of("every announced turn, result and the intent stored",
                        outcome("billing", 1, 1, new ToolSummary("t1", "lookup", "ok", 40)),
                        TWO_TURNS, List.of(result("t1", "ok")), Map.of("intent", "billing"), List.of()),
                Arguments.of("an agent turn not yet stored",
                        outcome(null, 1, 2), TWO_TURNS, List.of(), Map.of(), List.of("1 of 2 agent turns")),
                Arguments.of("no caller turn stored",
                        outcome(null, 1, 0), List.of(), List.of(), Map.of(), List.of("0 of 1 caller turns")),
                Arguments.of("more turns stored than counted is enough",
                        outcome(null, 1, 0), TWO_TURNS, List.of(), Map.of(), List.of()),
                Arguments.of("an answer the bridge timed out on, and a call cancelled at the end, are still expected",
                        outcome(null, 0, 0, new ToolSummary("t1", "sms", "timeout", 8000),
                                new ToolSummary("t2", "lookup", "cancelled", 300)),
                        List.of(), List.of(), Map.of(), List.of("no result for tool calls t1, t2")),
                Arguments.of("the executor's own denials and failures are expected",
                        outcome(null, 0, 0, new ToolSummary("t1", "sms", "denied", 12),
                                new ToolSummary("t2", "scheduling", "failed", 30)),
                        List.of(), List.of(result("t2", "failed")), Map.of(), List.of("no result for tool calls t1")),
                Arguments.of("calls the bridge settled itself never reach the results topic",
                        outcome(null, 0, 0, new ToolSummary("t1", "sms", "denied", 0),
                                new ToolSummary("t2", "lookup", "failed", 0),
                                new ToolSummary("t3", "transfer_money", "denied", 0),
                                new ToolSummary("t4", "send_dtmf", "ok", 900),
                                new ToolSummary("t5", "send_dtmf", "cancelled", 100)),
                        List.of(), List.of(), Map.of(), List.of()),
                Arguments.of("the reported intent not yet in the stored state",
                        outcome("billing", 0, 0), List.of(), List.of(), Map.of("intent", "greeting"),
                        List.of("no state for intent billing")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("evidence")
    void missingIsWhatTheOutcomeAnnouncesAndTheStoreLacks(String name, SessionOutcome outcome, List<Turn> turns,
                                                          List<ToolResult> results, Map<String, String> state,
                                                          List<String> missing) {
        SessionEvidence evidence = new SessionEvidence(outcome, turns, results, state, Contract.UNKNOWN);
        assertThat(EvidenceCheck.of(evidence).missing()).containsExactlyElementsOf(missing);
    }

    @Test
    void completeEvidenceIsScoredAtOnce() {
        AtomicInteger looks = new AtomicInteger();
        StepVerifier.withVirtualTime(() -> EvidenceCheck.await(store(looks, 0), Duration.ofSeconds(5),
                        Duration.ofMillis(250)))
                .assertNext(check -> assertThat(check.complete()).isTrue())
                .verifyComplete();
        assertThat(looks).hasValue(1);
    }

    @Test
    void evidenceArrivingLateIsWaitedFor() {
        AtomicInteger looks = new AtomicInteger();
        StepVerifier.withVirtualTime(() -> EvidenceCheck.await(store(looks, 3), Duration.ofSeconds(5),
                        Duration.ofMillis(250)))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(749))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(check -> assertThat(check.complete()).isTrue())
                .verifyComplete();
        assertThat(looks).hasValue(4);
    }

    @Test
    void afterTheWaitTheLastLookIsScoredWithWhatItMissed() {
        AtomicInteger looks = new AtomicInteger();
        StepVerifier.withVirtualTime(() -> EvidenceCheck.await(store(looks, Integer.MAX_VALUE),
                        Duration.ofSeconds(5), Duration.ofMillis(250)))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(4999))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(check -> assertThat(check.missing()).containsExactly("0 of 1 agent turns"))
                .verifyComplete();
        assertThat(looks).hasValue(21);
    }

    @Test
    void noWaitLooksOnce() {
        AtomicInteger looks = new AtomicInteger();
        StepVerifier.create(EvidenceCheck.await(store(looks, Integer.MAX_VALUE), Duration.ZERO,
                        Duration.ofMillis(250)))
                .assertNext(check -> assertThat(check.complete()).isFalse())
                .verifyComplete();
        assertThat(looks).hasValue(1);
    }

    /** A store that has the agent's one announced turn from look {@code emptyLooks + 1} on. */
    private static Mono<SessionEvidence> store(AtomicInteger looks, int emptyLooks) {
        SessionOutcome outcome = outcome(null, 0, 1);
        return Mono.fromSupplier(() -> new SessionEvidence(outcome,
                looks.getAndIncrement() < emptyLooks ? List.of() : List.of(new Turn("agent", "hello", 0, 500)),
                List.of()));
    }

    private static SessionOutcome outcome(String intent, int callerTurns, int agentTurns, ToolSummary... tools) {
        return new SessionOutcome(Outcome.RESOLVED, intent, "v1", "+15555550100", Instant.EPOCH,
                Instant.EPOCH.plusSeconds(30), 30_000, 700L, callerTurns, agentTurns, 0, List.of(tools), null, "");
    }

    private static ToolResult result(String id, String status) {
        return new ToolResult(id, "lookup", status, null, 20);
    }
}
