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
    private final List<String> recorded = new CopyOnWriteArrayList<>();
    private final List<String> callbacks = new CopyOnWriteArrayList<>();
    private final AtomicInteger failingWrites = new AtomicInteger();
    private Mono<Void> twilioAnswer = Mono.empty();

    private final TwilioClient twilio = new TwilioClient(null, null, null, Duration.ofSeconds(1)) {
        @Override
        public Mono<Void> updateCall(String callSid, String twiml) {
            return Mono.defer(() -> {
                updates.add(callSid);
                return twilioAnswer;
            });
        }
    };

    private final EscalationRepository escalations = new EscalationRepository(null) {
        @Override
        public Mono<Boolean> claim(Escalation e) {
            return Mono.just(true);
        }

        @Override
        public Mono<Void> outcome(String escalationId, String outcome, String callbackId) {
            return Mono.defer(() -> {
                if (failingWrites.getAndDecrement() > 0) {
                    return Mono.error(new IllegalStateException("database unavailable"));
                }
                recorded.add(outcome);
                return Mono.empty();
            });
        }
    };

    private final CallbackTool callbackTool = new CallbackTool(null) {
        @Override
        public Mono<String> request(String tenantId, String callSid, String callerNumber, String toolCallId,
                                    String reason, String priority, Instant preferred) {
            callbacks.add(reason);
            return Mono.just(CallbackTool.callbackId(tenantId, toolCallId));
        }
    };

    private final EscalationTool tool = new EscalationTool(twilio, escalations, callbackTool, directory(),
            new EscalationProperties(Map.of(), Map.of(), Duration.ofSeconds(25)),
            new ToolExecutorProperties(Duration.ofSeconds(2), "http://localhost:8083", null, Duration.ofSeconds(8),
                    Duration.ofSeconds(1)),
            Clock.systemUTC());

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
        assertThat(recorded).containsExactly("callback_created");
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
        assertThat(recorded).containsExactly("transferred");
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

    private void assertUnconfirmed(ToolResult result) {
        assertThat(result.status()).isEqualTo(ToolCompleted.FAILED);
        assertThat(result.output()).containsEntry("outcome", "unconfirmed").containsKey("escalation_id");
        assertThat(result.reason()).contains("couldn't confirm").contains("won't try it twice");
        assertThat(updates).hasSize(1);
        assertThat(callbacks).isEmpty();
        assertThat(recorded).containsExactly("unconfirmed");
    }

    private ToolResult escalate() {
        ToolCall call = new ToolCall(TENANT, CALL_SID, new ToolRequested("call_1", "escalation",
                Map.of("summary", "disputes a fee"), "v1", "billing", true, "+15555550100", null));
        ToolResult[] result = new ToolResult[1];
        StepVerifier.create(tool.execute(call)).consumeNextWith(r -> result[0] = r).verifyComplete();
        return result[0];
    }

    private static TenantDirectory directory() {
        TenantDirectory directory = new TenantDirectory();
        directory.apply(new TenantConfigPublished(TENANT, TENANT, true, List.of("+15555550000"), "UTC", null,
                List.of(), List.of(new AgentView("default", "v1", List.of("escalation"), "+15555550999")), 1));
        return directory;
    }
}
