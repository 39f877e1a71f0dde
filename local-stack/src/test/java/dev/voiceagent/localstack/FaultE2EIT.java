package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.CallbackRequested;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.testkit.realtime.RealtimeFault;
import dev.voiceagent.testkit.realtime.RealtimeSimulator;
import dev.voiceagent.testkit.twilio.SimulatedCall;
import dev.voiceagent.testkit.twilio.TwilioRestFault;
import dev.voiceagent.testkit.twilio.TwilioSimulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Faults of the two clouds a call depends on, through the whole suite: the realtime model refusing, dropping or
 * stalling mid-response (every call still ends with the spoken fallback, a callback task and an outcome that says
 * why), and Twilio's REST API failing or slow (the breaker opens, make-call answers 503 fast, and retries with the
 * same Idempotency-Key never place a call twice: a key whose request may have reached Twilio stays held). Each case
 * counts what went in and what came out; the counts are printed as one table at the end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultE2EIT {

    private static final int CALLS_PER_MODEL_FAULT = 3;
    private static final int MAX_FAILING_REQUESTS = 30;
    /**
     * The spoken apology reached the caller: a second of it at least. The clip is 7.6 s and the scripted caller may
     * hang up while it plays; VoiceSessionTest checks that the whole clip is sent, in order, at Twilio's cadence.
     */
    private static final long FALLBACK_MS = 1000;
    private static final String TO = "+15555550100";
    private static final List<String> TABLE = new CopyOnWriteArrayList<>();

    private static LocalStack stack;
    private static TopicRecorder topics;
    private static WebTestClient gateway;
    private static RealtimeSimulator model;
    private static TwilioSimulator twilio;

    @BeforeAll
    static void startStack() {
        stack = LocalStack.start(LocalStackOptions.forTests(), Map.of(
                "voice.bridge.resilience.stall-timeout", "2s",
                "voice.bridge.resilience.handover-grace", "2s",
                "voice.twilio.timeout", "2s",
                // every service gets these: the tool executor's Twilio requests (3 attempts of 2 s and their
                // back-offs, 6.45 s) must fit in its Twilio tools' timeout, and that with 2 s to spare in the bridge's
                // wait
                "voice.tools.twilio-timeout", "7s",
                "voice.tools.bridge-tool-timeout", "10s",
                "voice.bridge.tool-timeout", "10s",
                "voice.twilio.breaker-open-for", "3s"));
        topics = new TopicRecorder(stack.kafkaBootstrapServers());
        gateway = WebTestClient.bindToServer().baseUrl(stack.gatewayUrl()).responseTimeout(Duration.ofSeconds(15)).build();
        model = stack.simulators().realtime();
        twilio = stack.simulators().twilio();
    }

    @AfterEach
    void heal() {
        model.useFault(RealtimeFault.none());
        twilio.useRestFault(TwilioRestFault.none());
        // each case starts with the gateway's Twilio breaker closed: the failures one case counts (a held key's 5xx
        // is never retried into a success) must not open it on the next case's calls
        stack.context("gateway-service").ifPresent(gatewayContext -> gatewayContext
                .getBean("twilioCircuitBreaker", io.github.resilience4j.circuitbreaker.CircuitBreaker.class).reset());
    }

    @AfterAll
    static void stopStack() {
        System.out.println("FAULT TABLE\n| fault or input class | cases tried | calls/events in | out | lost | duplicated |\n"
                + "|---|---|---|---|---|---|\n" + String.join("\n", TABLE));
        if (topics != null) {
            topics.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    // ---- the realtime model ----------------------------------------------------------------------------------

    @Order(3)
    @ParameterizedTest
    @EnumSource(value = RealtimeFault.Kind.class, names = {"REFUSE", "DROP", "STALL"})
    void aFailingModelEndsEveryCallWithTheFallbackACallbackAndAnOutcomeThatSaysWhy(RealtimeFault.Kind kind) {
        int faultsBefore = model.faultsPlayed(kind);
        model.useFault(switch (kind) {
            case REFUSE -> RealtimeFault.refuse(503);
            case DROP -> RealtimeFault.dropMidResponse(3);
            default -> RealtimeFault.stallMidResponse(3);
        });
        List<String> calls = new ArrayList<>();
        for (int i = 0; i < CALLS_PER_MODEL_FAULT; i++) {
            calls.add(placeCall(null).getResponseBody().get("call_sid").toString());
        }

        int outcomes = 0;
        int duplicated = 0;
        int callbacks = 0;
        for (String callSid : calls) {
            awaitCompletedLog(callSid, Duration.ofSeconds(90));
            List<TopicRecorder.Seen> events = await().atMost(Duration.ofSeconds(30))
                    .until(() -> topics.forCall(callSid), seen -> !payloads(seen, SessionOutcome.class, Topics.OUTCOMES)
                            .isEmpty() && !payloads(seen, CallbackRequested.class, Topics.CALLBACKS).isEmpty());
            List<SessionOutcome> outcome = payloads(events, SessionOutcome.class, Topics.OUTCOMES);
            List<CallbackRequested> callback = payloads(events, CallbackRequested.class, Topics.CALLBACKS);
            outcomes += Math.min(1, outcome.size());
            duplicated += Math.max(0, outcome.size() - 1) + Math.max(0, callback.size() - 1);
            callbacks += Math.min(1, callback.size());
            assertThat(outcome).as("outcomes of " + callSid).hasSize(1);
            assertThat(outcome.get(0).outcome()).isEqualTo(Outcome.CALLBACK_CREATED);
            assertThat(outcome.get(0).escalationReason()).isEqualTo("model_unavailable");
            assertThat(callback).as("callback requests of " + callSid).hasSize(1);
            SimulatedCall heard = twilio.call(callSid).orElseThrow();
            assertThat(heard.agentAudioMsReceived()).as("agent audio the caller received").isGreaterThanOrEqualTo(FALLBACK_MS);
        }
        // one refused, dropped or stalled session, then one reconnect that fails the same way, per call
        assertThat(model.faultsPlayed(kind) - faultsBefore).isGreaterThanOrEqualTo(2 * CALLS_PER_MODEL_FAULT);
        String open = gateway.get().uri("/api/v1/callbacks?status=open").header("x-api-key", "demo-key")
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(calls).allMatch(open::contains);
        TABLE.add(row("realtime model " + kind.name().toLowerCase() + " (mid-response for drop/stall)",
                CALLS_PER_MODEL_FAULT, calls.size(), outcomes + " outcomes, " + callbacks + " callback tasks",
                calls.size() - outcomes, duplicated));
    }

    @Test
    @Order(4)
    void aModelThatDropsOnceIsReconnectedWithTheConversationAndTheCallCarriesOn() {
        int dropsBefore = model.faultsPlayed(RealtimeFault.Kind.DROP);
        model.useFault(RealtimeFault.dropMidResponse(2).forSessions(1));
        String callSid = placeCall(null).getResponseBody().get("call_sid").toString();

        awaitCompletedLog(callSid, Duration.ofSeconds(90));
        List<TopicRecorder.Seen> events = await().atMost(Duration.ofSeconds(30)).until(() -> topics.forCall(callSid),
                seen -> !payloads(seen, SessionOutcome.class, Topics.OUTCOMES).isEmpty());
        List<SessionOutcome> outcome = payloads(events, SessionOutcome.class, Topics.OUTCOMES);
        assertThat(outcome).hasSize(1);
        assertThat(outcome.get(0).outcome()).isEqualTo(Outcome.CALLBACK_CREATED);
        assertThat(outcome.get(0).escalationReason()).isNull();
        assertThat(model.faultsPlayed(RealtimeFault.Kind.DROP) - dropsBefore).isEqualTo(1);
        TABLE.add(row("realtime model drops once (reconnect)", 1, 1, outcome.size() + " outcome, resolved flow", 0,
                Math.max(0, outcome.size() - 1)));
    }

    // ---- Twilio's REST API -------------------------------------------------------------------------------------

    // first: the breaker counts its last 20 requests, and no successful call has been placed yet
    @Test
    @Order(1)
    void failingTwilioOpensTheBreakerAndSameKeyRetriesAfterRecoveryNeverPlaceACallTwice() {
        // 500: the SDK's HTTP client repeats a 503 once by itself (after its Retry-After), which only slows the test
        twilio.useRestFault(TwilioRestFault.failing(500));
        int callsBefore = twilio.calls().size();
        int restBefore = twilio.restRequests();
        List<String> keys = new ArrayList<>();
        List<Integer> statuses = new ArrayList<>();
        // the breaker opens once at least 5 requests were made and half of its last 20 failed
        while (!statuses.contains(503) && keys.size() < MAX_FAILING_REQUESTS) {
            keys.add("fault-" + UUID.randomUUID());
            statuses.add(placeCallStatus(keys.get(keys.size() - 1)));
        }
        assertThat(statuses).allMatch(status -> status == 502 || status == 503);
        assertThat(statuses).as("the breaker opened").contains(503);
        int atOpen = twilio.restRequests();
        long started = System.nanoTime();
        assertThat(placeCallStatus("fault-" + UUID.randomUUID())).isEqualTo(503);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("an open breaker answers at once")
                .isLessThan(Duration.ofSeconds(1));
        assertThat(twilio.restRequests() - atOpen).as("Twilio requests while the breaker is open").isZero();
        assertThat(twilio.calls()).hasSize(callsBefore);

        twilio.useRestFault(TwilioRestFault.none());
        // a 5xx may come after Twilio acted, so its key stays held (409); the breaker's 503 sent nothing, so its key
        // is free and a retry places the call once
        List<String> held = new ArrayList<>();
        List<String> free = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            (statuses.get(i) == 502 ? held : free).add(keys.get(i));
        }
        for (String key : held) {
            assertThat(placeCallStatus(key)).as("retry of a key whose request got a Twilio 5xx").isEqualTo(409);
        }
        Set<String> placed = new LinkedHashSet<>();
        for (String key : free) {
            String sid = await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500))
                    .until(() -> retry(key), sidOrNull -> sidOrNull != null);
            placed.add(sid);
        }
        int replays = 0;
        for (String key : free) {
            assertThat(retry(key)).isIn(placed);
            replays++;
        }
        int created = twilio.calls().size() - callsBefore;
        assertThat(placed).hasSize(free.size());
        assertThat(created).as("calls Twilio created for " + free.size() + " free keys").isEqualTo(free.size());
        assertThat(atOpen - restBefore).as("Twilio requests: one attempt per make-call Twilio refused")
                .isEqualTo(held.size());
        TABLE.add(row("Twilio REST 500 (breaker opens), then recovered; retries with the same Idempotency-Key",
                keys.size(), keys.size() + " keys (" + held.size() + " held after a 5xx), "
                        + (keys.size() + held.size() + 2 * free.size() + 1) + " make-call requests",
                created + " calls created, " + replays + " replays, " + held.size() + " x 409",
                free.size() - placed.size(), created - free.size()));
        placed.forEach(sid -> awaitCompletedLog(sid, Duration.ofSeconds(90)));
    }

    @Test
    @Order(2)
    void slowTwilioAnswers504AndARetryWithTheSameKeyNeverPlacesASecondCall() {
        twilio.useRestFault(TwilioRestFault.slow(Duration.ofSeconds(8)));
        int callsBefore = twilio.calls().size();
        String key = "slow-" + UUID.randomUUID();

        long started = System.nanoTime();
        assertThat(placeCallStatus(key)).isEqualTo(504);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered at the gateway's timeout, not Twilio's")
                .isLessThan(Duration.ofSeconds(8));
        twilio.useRestFault(TwilioRestFault.none());
        int retries = 3;
        for (int i = 0; i < retries; i++) {
            assertThat(placeCallStatus(key)).as("retry with the same key").isEqualTo(409);
        }

        int created = await().atMost(Duration.ofSeconds(10)).until(() -> twilio.calls().size() - callsBefore, n -> n >= 1);
        assertThat(created).as("calls Twilio created").isEqualTo(1);
        TABLE.add(row("Twilio REST slow (answer after the timeout), retries with the same Idempotency-Key", 1,
                (1 + retries) + " make-call requests, 1 key", created + " call created (504, then 409 x" + retries + ")",
                1 - created, created - 1));
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    @SuppressWarnings("rawtypes")
    private static EntityExchangeResult<Map> placeCall(String key) {
        return gateway.post().uri("/api/v1/make-call")
                .header("x-api-key", "demo-key")
                .headers(h -> {
                    if (key != null) {
                        h.set("Idempotency-Key", key);
                    }
                })
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"to\":\"" + TO + "\"}")
                .exchange()
                .expectStatus().is2xxSuccessful()
                .expectBody(Map.class).returnResult();
    }

    private static int placeCallStatus(String key) {
        return gateway.post().uri("/api/v1/make-call")
                .header("x-api-key", "demo-key")
                .header("Idempotency-Key", key)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"to\":\"" + TO + "\"}")
                .exchange()
                .returnResult(String.class).getStatus().value();
    }

    /** The call SID a retry with {@code key} answers, or null while Twilio or the breaker still refuses. */
    @SuppressWarnings("rawtypes")
    private static String retry(String key) {
        var result = gateway.post().uri("/api/v1/make-call")
                .header("x-api-key", "demo-key")
                .header("Idempotency-Key", key)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"to\":\"" + TO + "\"}")
                .exchange()
                .expectBody(Map.class).returnResult();
        return result.getStatus().is2xxSuccessful() ? String.valueOf(result.getResponseBody().get("call_sid")) : null;
    }

    private static Map<?, ?> awaitCompletedLog(String callSid, Duration limit) {
        return await().atMost(limit).pollInterval(Duration.ofMillis(500))
                .until(() -> gateway.get().uri("/api/v1/call-logs/{sid}", callSid).header("x-api-key", "demo-key")
                                .exchange().returnResult(Map.class).getResponseBody().blockFirst(Duration.ofSeconds(5)),
                        log -> log != null && "completed".equals(log.get("status")) && log.get("outcome") != null);
    }

    private static <T> List<T> payloads(List<TopicRecorder.Seen> events, Class<T> payload, String topic) {
        return events.stream().filter(s -> payload.isInstance(s.envelope().data()) && s.topic().equals(topic))
                .map(s -> payload.cast(s.envelope().data())).toList();
    }

    private static String row(String fault, int cases, Object in, Object out, int lost, int duplicated) {
        return "| " + fault + " | " + cases + " | " + in + " | " + out + " | " + lost + " | " + duplicated + " |";
    }
}
