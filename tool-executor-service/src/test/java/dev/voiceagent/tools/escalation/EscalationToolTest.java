package dev.voiceagent.tools.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import com.twilio.exception.ApiException;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.tools.callback.CallbackTool;
import dev.voiceagent.tools.escalation.EscalationRepository.Escalation;
import dev.voiceagent.tools.execution.ToolCall;
import dev.voiceagent.tools.execution.ToolExecutorProperties;
import dev.voiceagent.tools.execution.ToolResult;
import dev.voiceagent.tools.twilio.TwilioClient;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * How the transfer's failures are read: only an update Twilio certainly did not make becomes a callback; one it may
 * have made is unconfirmed and hands nothing over again; one it confirmed is a transfer whatever the database does.
 */
class EscalationToolTest {

    static final String TENANT = "acme";
    static final String CALL_SID = "CA00000000000000000000000000000001";

    private final List<String> updates = new CopyOnWriteArrayList<>();
    private final List<String> twimls = new CopyOnWriteArrayList<>();
    private final List<String> recorded = new CopyOnWriteArrayList<>();
    private final List<String> callbacks = new CopyOnWriteArrayList<>();
    /** What the escalation's row said when the call update went out. */
    private final List<String> rowWhenSent = new CopyOnWriteArrayList<>();
    /** The {@code escalations} table: rows by escalation id. */
    private final Map<String, Escalation> rows = new ConcurrentHashMap<>();
    private final AtomicInteger failingWrites = new AtomicInteger();
    private final AtomicInteger failingMarks = new AtomicInteger();
    private Mono<Void> twilioAnswer = Mono.empty();

    private final TwilioClient twilio = new TwilioClient(null, null, null, Duration.ofSeconds(1)) {
        @Override
        public Mono<Void> updateCall(String callSid, String twiml) {
            return Mono.defer(() -> {
                updates.add(callSid);
                twimls.add(twiml);
                rows.values().stream().filter(row -> callSid.equals(row.callSid()))
                        .forEach(row -> rowWhenSent.add(row.outcome()));
                return twilioAnswer;
            });
        }
    };

    /** Claims and outcomes as Postgres keeps them; {@code recorded} lists every outcome written, in order. */
    private final EscalationRepository escalations = new EscalationRepository(null) {
        @Override
        public Mono<Boolean> claim(Escalation e) {
            return Mono.fromSupplier(() -> rows.putIfAbsent(e.escalationId(), withOutcome(e, "claimed")) == null);
        }

        @Override
        public Mono<Escalation> find(String tenantId, String toolCallId) {
            return Mono.justOrEmpty(rows.values().stream().filter(row -> row.tenantId().equals(tenantId)
                    && row.toolCallId().equals(toolCallId)).findFirst());
        }

        @Override
        public Mono<Void> outcome(String escalationId, String outcome, String callbackId) {
            return Mono.defer(() -> {
                AtomicInteger failing = "pending".equals(outcome) ? failingMarks : failingWrites;
                if (failing.getAndDecrement() > 0) {
                    return Mono.error(new IllegalStateException("database unavailable"));
                }
                recorded.add(outcome);
                rows.computeIfPresent(escalationId, (id, row) -> withOutcome(row, outcome));
                return Mono.empty();
            });
        }
    };

    private static Escalation withOutcome(Escalation e, String outcome) {
        return new Escalation(e.tenantId(), e.toolCallId(), e.escalationId(), e.callSid(), e.callerNumber(),
                e.target(), e.intent(), e.summary(), outcome, e.callbackId());
    }

    private final CallbackTool callbackTool = new CallbackTool(null) {
        @Override
        public Mono<String> request(String tenantId, String callSid, String callerNumber, String toolCallId,
                                    String reason, String priority, Instant preferred) {
            callbacks.add(reason);
            return Mono.just(CallbackTool.callbackId(tenantId, toolCallId));
        }
    };

    private final EscalationTool tool = tool(directory(), Clock.systemUTC());

    private EscalationTool tool(TenantDirectory directory, Clock clock) {
        return new EscalationTool(twilio, escalations, callbackTool, directory,
                new EscalationProperties(Map.of(), Map.of(), Duration.ofSeconds(25)),
                new ToolExecutorProperties(Duration.ofSeconds(2), "http://localhost:8083", null, Duration.ofSeconds(8),
                        Duration.ofSeconds(1), Duration.ofSeconds(5)),
                clock);
    }

    // ---- where the call goes, and when (the call's agent version decides)

    /** Saturday 03:00 UTC: outside Monday's 09:00–17:00 in New York. */
    static final Clock SATURDAY_NIGHT = Clock.fixed(Instant.parse("2026-11-28T03:00:00Z"), java.time.ZoneOffset.UTC);
    /** Monday 15:00 UTC, 10:00 in New York. */
    static final Clock MONDAY_MORNING = Clock.fixed(Instant.parse("2026-11-30T15:00:00Z"), java.time.ZoneOffset.UTC);

    @Test
    void theCallsIntentSendsItToItsOwnQueueAndANumberTheModelWroteIsNeverDialled() {
        EscalationTool contractTool = tool(contractDirectory("callback"), MONDAY_MORNING);

        ToolResult result = escalate(contractTool, Map.of("summary", "disputes a fee", "handoff_number", "+19005550000"),
                "billing");

        assertThat(result.output()).containsEntry("outcome", "transferred");
        assertThat(twimls).singleElement().satisfies(twiml -> assertThat(twiml).contains(BILLING_DESK)
                .doesNotContain("+19005550000").doesNotContain(FALLBACK));
    }

    @Test
    void aHandOverTargetTheRequestNamesWinsOverTheIntentsAndAnUnknownIntentGoesToTheFallback() {
        EscalationTool contractTool = tool(contractDirectory("callback"), MONDAY_MORNING);

        escalate(contractTool, Map.of("handoff_target", "care"), "billing");
        escalate(contractTool, Map.of(), "weather");

        assertThat(twimls).hasSize(2);
        assertThat(twimls.get(0)).contains(CARE);
        assertThat(twimls.get(1)).contains(FALLBACK);
    }

    @Test
    void outsideTheVersionsBusinessHoursTheCallerGetsACallbackNotARingingLine() {
        ToolResult result = escalate(tool(contractDirectory("callback"), SATURDAY_NIGHT), Map.of(), "billing");

        assertThat(result.output()).containsEntry("outcome", "callback_created").containsEntry("why", "out_of_hours");
        assertThat(updates).isEmpty();
        assertThat(callbacks).hasSize(1);
    }

    @Test
    void aContractWhoseOutOfHoursIsTransferTransfersAtAnyHour() {
        ToolResult result = escalate(tool(contractDirectory("transfer"), SATURDAY_NIGHT), Map.of(), "billing");

        assertThat(result.output()).containsEntry("outcome", "transferred");
        assertThat(twimls).singleElement().satisfies(twiml -> assertThat(twiml).contains(BILLING_DESK));
        assertThat(callbacks).isEmpty();
    }

    static final String BILLING_DESK = "+15555550777";
    static final String CARE = "+15555550199";
    static final String FALLBACK = "+15555550999";

    /** Version v1: billing goes to the billing desk, Mondays 09:00–17:00 in New York; others to the fallback. */
    private static TenantDirectory contractDirectory(String outOfHours) {
        var version = new TenantConfigPublished.VersionView("v1", List.of("escalation"),
                List.of(new TenantConfigPublished.IntentView("billing", "resolvable", List.of("escalation"),
                        "billing-desk")),
                List.of(new TenantConfigPublished.HandoffTarget("billing-desk", BILLING_DESK),
                        new TenantConfigPublished.HandoffTarget("care", CARE)),
                new TenantConfigPublished.BusinessHours("America/New_York",
                        List.of(new TenantConfigPublished.Window("mon", "09:00", "17:00"))),
                outOfHours, null, List.of(), FALLBACK);
        TenantDirectory directory = new TenantDirectory();
        directory.apply(new TenantConfigPublished(TENANT, TENANT, true, List.of("+15555550000"), "UTC", null,
                List.of(), List.of(new AgentView("default", "v1", List.of("escalation"), "+15555550888",
                        List.of(version), null)), 1));
        return directory;
    }

    @Test
    void aTransferThatTimedOutAfterItWasSentIsUnconfirmedAndOpensNoCallback() {
        twilioAnswer = Mono.error(new TimeoutException("no answer within 1500 ms"));

        ToolResult result = escalate();

        assertUnconfirmed(result);
    }

    @Test
    void aTransferTwilioAnswered5xxIsUnconfirmedAndOpensNoCallback() {
        twilioAnswer = Mono.error(new ApiException("Service Unavailable", 503));

        assertUnconfirmed(escalate());
    }

    @Test
    void aTransferTwilioRefusedBecomesACallback() {
        twilioAnswer = Mono.error(new ApiException("The requested resource was not found", 404));

        ToolResult result = escalate();

        assertThat(result.status()).isEqualTo(ToolCompleted.OK);
        assertThat(result.output()).containsEntry("outcome", "callback_created").containsEntry("why", "transfer_failed");
        assertThat(callbacks).hasSize(1);
        assertThat(recorded).containsExactly("pending", "callback_created");
    }

    @Test
    void aTransferTheOpenBreakerNeverSentBecomesACallback() {
        twilioAnswer = Mono.error(CallNotPermittedException.createCallNotPermittedException(
                CircuitBreaker.ofDefaults("twilio-calls")));

        assertThat(escalate().output()).containsEntry("outcome", "callback_created")
                .containsEntry("why", "transfer_failed");
        assertThat(callbacks).hasSize(1);
    }

    @Test
    void aConfirmedTransferWhoseOutcomeWriteFailsAtFirstIsRecordedOnRetryAndOpensNoCallback() {
        failingWrites.set(2);

        ToolResult result = escalate();

        assertThat(result.status()).isEqualTo(ToolCompleted.OK);
        assertThat(result.output()).containsEntry("outcome", "transferred");
        assertThat(recorded).containsExactly("pending", "transferred");
        assertThat(callbacks).isEmpty();
    }

    @Test
    void aConfirmedTransferThatCannotBeRecordedAtAllIsStillAnsweredTransferredAndOpensNoCallback() {
        failingWrites.set(Integer.MAX_VALUE);

        ToolResult result = escalate();

        assertThat(result.output()).containsEntry("outcome", "transferred");
        assertThat(updates).hasSize(1);
        assertThat(callbacks).isEmpty();
    }

    // ---- an escalation an earlier run left without an outcome (its instance stopped)

    @Test
    void theEscalationIsMarkedPendingBeforeTheCallUpdateIsSent() {
        escalate();

        assertThat(rowWhenSent).containsExactly("pending");
    }

    @Test
    void aTransferWhosePendingMarkCannotBeWrittenIsNeverSent() {
        failingMarks.set(1);
        ToolCall call = call("call_unmarked", Map.of("summary", "disputes a fee"));

        StepVerifier.create(tool.execute(call)).expectError(IllegalStateException.class).verify(Duration.ofSeconds(5));

        assertThat(updates).isEmpty();
        assertThat(callbacks).isEmpty();
    }

    @Test
    void anEscalationLeftPendingByAStoppedRunIsUnconfirmedWithNeitherACallbackNorASecondTransfer() {
        leftByAStoppedRun("call_stopped", "pending", FALLBACK);

        ToolResult result = escalate(tool, call("call_stopped", Map.of("summary", "disputes a fee")));

        assertThat(result.status()).isEqualTo(ToolCompleted.FAILED);
        assertThat(result.output()).containsEntry("outcome", "unconfirmed").doesNotContainKey("callback_id");
        assertThat(updates).isEmpty();
        assertThat(callbacks).isEmpty();
        assertThat(recorded).containsExactly("unconfirmed");
    }

    @Test
    void anEscalationLeftClaimedByARunThatStoppedBeforeTheUpdateIsCarriedOutOnce() {
        leftByAStoppedRun("call_untouched", "claimed", FALLBACK);

        ToolResult result = escalate(tool, call("call_untouched", Map.of("summary", "disputes a fee")));
        ToolResult again = escalate(tool, call("call_untouched", Map.of("summary", "disputes a fee")));

        assertThat(result.status()).isEqualTo(ToolCompleted.OK);
        assertThat(result.output()).containsEntry("outcome", "transferred");
        assertThat(again.output()).containsEntry("outcome", "transferred");
        assertThat(updates).hasSize(1);
        assertThat(rowWhenSent).containsExactly("pending");
        assertThat(callbacks).isEmpty();
    }

    @Test
    void anEscalationLeftClaimedWithoutATargetBecomesTheCallbackItsRunWouldHaveMade() {
        leftByAStoppedRun("call_no_target", "claimed", null);

        ToolResult result = escalate(tool(new TenantDirectory(), Clock.systemUTC()), call("call_no_target", Map.of()));

        assertThat(result.output()).containsEntry("outcome", "callback_created").containsEntry("why", "no_target");
        assertThat(updates).isEmpty();
        assertThat(callbacks).hasSize(1);
    }

    /** The row an earlier execution of {@code toolCallId} claimed and left {@code outcome} when its instance died. */
    private void leftByAStoppedRun(String toolCallId, String outcome, String target) {
        String escalationId = EscalationTool.escalationId(TENANT, toolCallId);
        rows.put(escalationId, new Escalation(TENANT, toolCallId, escalationId, CALL_SID, "+15555550100", target,
                "billing", "disputes a fee", outcome, null));
    }

    private void assertUnconfirmed(ToolResult result) {
        assertThat(result.status()).isEqualTo(ToolCompleted.FAILED);
        assertThat(result.output()).containsEntry("outcome", "unconfirmed").containsKey("escalation_id");
        assertThat(result.reason()).contains("couldn't confirm").contains("won't try it twice");
        assertThat(updates).hasSize(1);
        assertThat(callbacks).isEmpty();
        assertThat(recorded).containsExactly("pending", "unconfirmed");
    }

    private ToolResult escalate() {
        return escalate(tool, Map.of("summary", "disputes a fee"), "billing");
    }

    private ToolResult escalate(EscalationTool with, Map<String, ?> arguments, String intent) {
        return escalate(with, new ToolCall(TENANT, CALL_SID, new ToolRequested("call_" + updates.size() + "_"
                + callbacks.size(), "escalation", Map.copyOf(arguments), "v1", intent, true, "+15555550100", null,
                "1001")));
    }

    private static ToolCall call(String toolCallId, Map<String, ?> arguments) {
        return new ToolCall(TENANT, CALL_SID, new ToolRequested(toolCallId, "escalation", Map.copyOf(arguments), "v1",
                "billing", true, "+15555550100", null, "1001"));
    }

    private static ToolResult escalate(EscalationTool with, ToolCall call) {
        ToolResult[] result = new ToolResult[1];
        StepVerifier.create(with.execute(call)).consumeNextWith(r -> result[0] = r).verifyComplete();
        return result[0];
    }

    private static TenantDirectory directory() {
        TenantDirectory directory = new TenantDirectory();
        directory.apply(new TenantConfigPublished(TENANT, TENANT, true, List.of("+15555550000"), "UTC", null,
                List.of(), List.of(new AgentView("default", "v1", List.of("escalation"), "+15555550999")), 1));
        return directory;
    }
}
