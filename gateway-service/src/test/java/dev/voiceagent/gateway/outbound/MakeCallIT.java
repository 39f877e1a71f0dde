package dev.voiceagent.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.testkit.infra.FreePorts;
import dev.voiceagent.contracts.CallEvents.CallCreated;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.gateway.testing.KafkaEvents;
import dev.voiceagent.gateway.testing.Tenants;
import dev.voiceagent.gateway.twilio.TwilioSignatures;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableChannel;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/** make-call against a stand-in Twilio REST API (reached through the configurable API base) and the proxied routes. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.twilio.account-sid=AC0123456789abcdef0123456789abcdef",
        "voice.twilio.auth-token=" + MakeCallIT.TOKEN,
        "voice.twilio.timeout=3s",
        "voice.gateway.public-base-url=https://voice.example.com",
        "voice.gateway.media-token-secrets=make-call-secret",
        "voice.gateway.upstream-timeout=2s"})
@AutoConfigureWebTestClient
@VoiceInfrastructure
class MakeCallIT {

    static final String TOKEN = "make-call-token";
    private static final String BASE = "https://voice.example.com";
    /** Longer than {@code voice.twilio.timeout} (3 s). */
    static final Duration SLOW_ANSWER = Duration.ofSeconds(8);

    static final List<Map<String, List<String>>> CREATES = new CopyOnWriteArrayList<>();
    static final AtomicInteger TWILIO_FAILURES = new AtomicInteger();
    /** Every call creation that reached the stand-in, answered or failed. */
    static final AtomicInteger ATTEMPTS = new AtomicInteger();
    static final AtomicBoolean SLOW_TWILIO = new AtomicBoolean();
    static final AtomicInteger SLOW_ANSWERS = new AtomicInteger();
    /** Twilio creates the call, then answers after this delay (within the gateway's timeout). */
    static final AtomicReference<Duration> LATE_ANSWER = new AtomicReference<>(Duration.ZERO);
    /** Twilio reads the request, then the connection drops before any answer. */
    static final AtomicBoolean DROP_CONNECTION = new AtomicBoolean();
    static final DisposableServer TWILIO = HttpServer.create().port(0)
            .route(routes -> routes.post("/2010-04-01/Accounts/{account}/Calls.json", (request, response) ->
                    request.receive().aggregate().asString().defaultIfEmpty("").flatMap(body -> {
                        ATTEMPTS.incrementAndGet();
                        Map<String, List<String>> fields = form(body);
                        String to = fields.get("To").get(0);
                        String from = fields.get("From").get(0);
                        if (SLOW_TWILIO.get()) {
                            // Twilio creates the call but answers after the gateway gave up
                            String sid = "CA" + UUID.randomUUID().toString().replace("-", "");
                            return Mono.delay(SLOW_ANSWER)
                                    .then(response.status(201).header("Content-Type", "application/json")
                                            .sendString(Mono.just(callJson(request.param("account"), sid, to,
                                                    from)))
                                            .then())
                                    .doFinally(signal -> SLOW_ANSWERS.incrementAndGet());
                        }
                        if (DROP_CONNECTION.get()) {
                            // the request arrived; whether Twilio acted on it, the gateway cannot know
                            response.withConnection(DisposableChannel::dispose);
                            return Mono.<Void>never();
                        }
                        if (TWILIO_FAILURES.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                            return response.status(500).header("Content-Type", "application/json")
                                    .sendString(Mono.just("{\"code\":20500,\"message\":\"Internal\",\"status\":500}"))
                                    .then();
                        }
                        String sid = "CA" + UUID.randomUUID().toString().replace("-", "");
                        fields.put("_sid", List.of(sid));
                        CREATES.add(fields);
                        return Mono.delay(LATE_ANSWER.get())
                                .then(response.status(201).header("Content-Type", "application/json")
                                        .sendString(Mono.just(callJson(request.param("account"), sid, to, from))).then());
                    })))
            .bindNow();
    static final DisposableServer UPSTREAM = HttpServer.create().port(0)
            .route(routes -> routes.route(request -> true, (request, response) ->
                    request.receive().aggregate().asString().defaultIfEmpty("").flatMap(body -> response.status(207)
                            .header("Content-Type", "application/json")
                            .header("X-Upstream-Saw-Admin-Key", String.valueOf(request.requestHeaders().get("x-admin-key")))
                            .sendString(Mono.just("{\"method\":\"" + request.method().name() + "\",\"uri\":\""
                                    + request.uri() + "\",\"body\":" + (body.isEmpty() ? "null" : body) + "}"))
                            .then())))
            .bindNow();

    @DynamicPropertySource
    static void endpoints(DynamicPropertyRegistry registry) {
        registry.add("voice.twilio.api-base-url", () -> "http://localhost:" + TWILIO.port());
        registry.add("voice.gateway.config-url", () -> "http://localhost:" + UPSTREAM.port());
        registry.add("voice.gateway.evaluation-url", () -> "http://localhost:" + UPSTREAM.port());
        registry.add("voice.gateway.callback-url", () -> "http://localhost:" + FreePorts.pick());
    }

    @AfterAll
    static void stop() {
        TWILIO.disposeNow();
        UPSTREAM.disposeNow();
    }

    @Autowired WebTestClient web;
    @Autowired TenantDirectory directory;
    @Autowired CircuitBreaker twilioCircuitBreaker;
    @Autowired DatabaseClient db;
    @LocalServerPort int port;
    @Value("${spring.kafka.bootstrap-servers}") String bootstrap;

    @BeforeEach
    void setUp() {
        directory.apply(Tenants.tenant("acme", "acme-key", "+15555550000", true));
        directory.apply(Tenants.tenant("globex", "globex-key", "+15555550001", true));
        directory.apply(Tenants.tenant("initech", "initech-key", "+15555550002", true));
        twilioCircuitBreaker.reset();
        TWILIO_FAILURES.set(0);
        SLOW_TWILIO.set(false);
        LATE_ANSWER.set(Duration.ZERO);
        DROP_CONNECTION.set(false);
    }

    @Test
    void placesTheCallThroughTwilioWritesTheLogAndPublishesCallCreated() {
        int before = CREATES.size();
        var response = web.post().uri("/api/v1/make-call").header("x-api-key", "acme-key")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"to\":\"+15555550100\",\"agent_key\":\"sales\",\"greeting\":\"Hi there\"}")
                .exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.ok").isEqualTo(true)
                .jsonPath("$.status").isEqualTo("queued")
                .jsonPath("$.to").isEqualTo("+15555550100")
                .jsonPath("$.from").isEqualTo("+15555550000")
                .returnResult();
        String sid = com.jayway.jsonpath.JsonPath.read(new String(response.getResponseBody()), "$.call_sid");

        assertThat(CREATES).hasSize(before + 1);
        Map<String, List<String>> create = CREATES.get(before);
        assertThat(create.get("To")).containsExactly("+15555550100");
        assertThat(create.get("From")).containsExactly("+15555550000");
        // Twilio keeps (and signs) webhook query strings: they carry the make-call request's trace context
        String traceparent = "traceparent=00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}";
        assertThat(create.get("Url")).singleElement().asString()
                .matches("https://voice\\.example\\.com/api/v1/incoming-call\\?" + traceparent);
        assertThat(create.get("StatusCallback")).singleElement().asString()
                .matches("https://voice\\.example\\.com/api/v1/call-status\\?" + traceparent);
        assertThat(create.get("StatusCallbackEvent")).containsExactlyInAnyOrder("initiated", "ringing", "answered",
                "completed");

        web.get().uri("/api/v1/call-logs/{sid}", sid).header("x-api-key", "acme-key").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("queued")
                .jsonPath("$.direction").isEqualTo("outbound-api")
                .jsonPath("$.agent_key").isEqualTo("sales")
                .jsonPath("$.agent_version_id").isEqualTo("acme-sales-v3");
        web.get().uri("/api/v1/call-logs/{sid}", sid).header("x-api-key", "globex-key").exchange()
                .expectStatus().isNotFound();

        try (KafkaEvents events = new KafkaEvents(bootstrap, Topics.CALL_EVENTS)) {
            var records = events.await(e -> sid.equals(e.callSid()) && e.data() instanceof CallCreated, 1,
                    Duration.ofSeconds(10));
            assertThat(records).hasSize(1);
            assertThat(records.get(0).key()).isEqualTo(sid);
            var envelope = EventCodec.decode(records.get(0).value()).orElseThrow();
            assertThat(envelope.tenantId()).isEqualTo("acme");
            assertThat(envelope.source()).isEqualTo("gateway-service");
            assertThat(((CallCreated) envelope.data()).direction()).isEqualTo("outbound-api");
            assertThat(((CallCreated) envelope.data()).agentVersionId()).isEqualTo("acme-sales-v3");
        }
    }

    @Test
    void theRolloutPicksTheVersionUnlessOneIsRequested() {
        String pinned = callSid(makeCall("acme-key", null,
                "{\"to\":\"" + Tenants.PINNED_CALLEE + "\",\"agent_key\":\"sales\"}"));
        String requested = callSid(makeCall("acme-key", null, "{\"to\":\"" + Tenants.PINNED_CALLEE
                + "\",\"agent_key\":\"sales\",\"agent_version_id\":\"acme-sales-v3\"}"));
        web.get().uri("/api/v1/call-logs/{sid}", pinned).header("x-api-key", "acme-key").exchange()
                .expectBody().jsonPath("$.agent_version_id").isEqualTo("acme-sales-v4");
        web.get().uri("/api/v1/call-logs/{sid}", requested).header("x-api-key", "acme-key").exchange()
                .expectBody().jsonPath("$.agent_version_id").isEqualTo("acme-sales-v3");
    }

    private static String callSid(WebTestClient.ResponseSpec response) {
        byte[] body = response.expectStatus().isOk().expectBody().returnResult().getResponseBody();
        return com.jayway.jsonpath.JsonPath.read(new String(body), "$.call_sid");
    }

    @Test
    void retryWithTheSameIdempotencyKeyReturnsTheFirstResultWithoutASecondCall() {
        int before = CREATES.size();
        String key = UUID.randomUUID().toString();
        String first = makeCall("acme-key", key, "{\"to\":\"+15555550101\"}").expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        String second = makeCall("acme-key", key, "{\"to\":\"+15555550101\"}").expectStatus().isOk()
                .expectHeader().valueEquals("Idempotent-Replayed", "true")
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(second).isEqualTo(first);
        assertThat(CREATES).hasSize(before + 1);

        makeCall("acme-key", key, "{\"to\":\"+15555550102\"}").expectStatus().isEqualTo(422)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        // the key is per tenant: another tenant's identical key is a new request
        makeCall("globex-key", key, "{\"to\":\"+15555550101\"}").expectStatus().isOk();
        assertThat(CREATES).hasSize(before + 2);
    }

    @Test
    void badRequestsGetClearProblems() {
        web.post().uri("/api/v1/make-call").contentType(MediaType.APPLICATION_JSON).bodyValue("{\"to\":\"+15555550100\"}")
                .exchange().expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        makeCall("wrong-key", null, "{\"to\":\"+15555550100\"}").expectStatus().isUnauthorized();
        makeCall("acme-key", null, "{\"to\":\"555-0100\"}").expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("to");
        makeCall("acme-key", null, "{\"from\":\"+15555550000\"}").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("to");
        makeCall("acme-key", null, "{\"to\":\"+15555550100\",\"from\":\"0100\"}").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("from");
        // another tenant's number as caller ID would make the call (and its TwiML request) that tenant's
        makeCall("acme-key", null, "{\"to\":\"+15555550100\",\"from\":\"+15555550001\"}").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("from");
        makeCall("acme-key", null, "{\"to\":\"+15555550100\",\"agent_key\":\"nobody\"}").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("agent_key");
        makeCall("acme-key", null, "{\"to\":\"+15555550100\",\"agent_key\":\"sales\",\"agent_version_id\":\"nope\"}")
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("agent_version_id");
        makeCall("acme-key", null, "{\"to\":15555550100}").expectStatus().isBadRequest();
        makeCall("acme-key", null, "{\"to\":\"+15555550100\",\"surprise\":1}").expectStatus().isBadRequest();
        makeCall("acme-key", null, "{\"to\":").expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        makeCall("acme-key", null, "[]").expectStatus().isBadRequest();
        makeCall("acme-key", null, "").expectStatus().isBadRequest();
        makeCall("acme-key", null, "{\"to\":\"+15555550100\",\"greeting\":\"" + "x".repeat(20_000) + "\"}")
                .expectStatus().isEqualTo(413)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        makeCall("acme-key", "", "{\"to\":\"+15555550100\"}").expectStatus().isBadRequest();
    }

    @Test
    void twilioFailuresAreProblemsAndAnOpenBreakerAnswers503Fast() {
        TWILIO_FAILURES.set(10);
        makeCall("acme-key", null, "{\"to\":\"+15555550100\"}").expectStatus().isEqualTo(502)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);

        twilioCircuitBreaker.transitionToOpenState();
        int before = CREATES.size();
        long started = System.nanoTime();
        makeCall("acme-key", null, "{\"to\":\"+15555550100\"}").expectStatus().isEqualTo(503)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertThat(CREATES).hasSize(before);
    }

    @Test
    void repeatedTwilioFailuresOpenTheBreakerWhichThenAnswers503FastWithoutAskingTwilio() {
        TWILIO_FAILURES.set(1_000);
        // the breaker judges once it has seen 5 calls; 5 of 5 failed is over its 50 % threshold
        for (int i = 0; i < 5; i++) {
            makeCall("initech-key", null, "{\"to\":\"+15555550140\"}").expectStatus().isEqualTo(502)
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        }
        assertThat(twilioCircuitBreaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);

        int attempts = ATTEMPTS.get();
        long started = System.nanoTime();
        makeCall("initech-key", null, "{\"to\":\"+15555550140\"}").expectStatus().isEqualTo(503)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(503);
        // well under the 3 s Twilio timeout a caller would otherwise wait for
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        assertThat(ATTEMPTS.get()).as("call creations that reached Twilio").isEqualTo(attempts);
    }

    @Test
    void aTwilioTimeoutIs504AndTheSameIdempotencyKeyThenAnswers409WithoutDiallingAgain() {
        WebTestClient patient = web.mutate().responseTimeout(Duration.ofSeconds(30)).build();
        SLOW_TWILIO.set(true);
        String key = UUID.randomUUID().toString();
        int attempts = ATTEMPTS.get();
        int slowAnswers = SLOW_ANSWERS.get();
        long started = System.nanoTime();
        makeCall(patient, "initech-key", key, "{\"to\":\"+15555550141\"}").expectStatus().isEqualTo(504)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(504);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered by the timeout, not by Twilio")
                .isLessThan(SLOW_ANSWER);
        assertThat(ATTEMPTS.get()).isEqualTo(attempts + 1);

        // Twilio may have placed that call: a retry with the key must not place it again
        makeCall(patient, "initech-key", key, "{\"to\":\"+15555550141\"}").expectStatus().isEqualTo(409)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").value(String.class,
                        detail -> assertThat(detail).contains("the call may have been placed"));
        assertThat(ATTEMPTS.get()).isEqualTo(attempts + 1);

        // the time limiter counts it where SREs look
        String metrics = web.mutate().codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(16 * 1024 * 1024)).build()
                .get().uri("/metrics").exchange().expectStatus().isOk().expectBody(String.class)
                .returnResult().getResponseBody();
        assertThat(metrics).containsPattern("resilience4j_timelimiter_calls_total\\{[^}]*kind=\"timeout\"[^}]*name=\"twilio\"");

        // the late answer is Twilio's business alone; wait for it so that it overlaps no other test
        await().atMost(Duration.ofSeconds(30)).until(() -> SLOW_ANSWERS.get() > slowAnswers);
    }

    @Test
    void aTwilio5xxKeepsTheIdempotencyKeySoARetryNeverDialsAgain() {
        // Twilio may have created the call before its 5xx: the key stays held, as after a timeout
        TWILIO_FAILURES.set(1);
        String key = UUID.randomUUID().toString();
        int attempts = ATTEMPTS.get();
        String problem = makeCall("initech-key", key, "{\"to\":\"+15555550144\"}").expectStatus().isEqualTo(502)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(String.class).returnResult().getResponseBody();

        makeCall("initech-key", key, "{\"to\":\"+15555550144\"}").expectStatus().isEqualTo(409)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").value(String.class,
                        detail -> assertThat(detail).contains("the call may have been placed"));
        assertThat(ATTEMPTS.get()).as("call creations that reached Twilio").isEqualTo(attempts + 1);
        assertThat((Boolean) com.jayway.jsonpath.JsonPath.read(problem, "$.call_may_exist")).isTrue();
    }

    @Test
    void aConnectionLostAfterTheRequestWasSentIs502AndKeepsTheIdempotencyKey() {
        DROP_CONNECTION.set(true);
        String key = UUID.randomUUID().toString();
        int attempts = ATTEMPTS.get();
        String problem = makeCall("initech-key", key, "{\"to\":\"+15555550145\"}").expectStatus().isEqualTo(502)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(ATTEMPTS.get()).as("one request, not repeated by the HTTP client").isEqualTo(attempts + 1);

        DROP_CONNECTION.set(false);
        makeCall("initech-key", key, "{\"to\":\"+15555550145\"}").expectStatus().isEqualTo(409)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(ATTEMPTS.get()).as("call creations that reached Twilio").isEqualTo(attempts + 1);
        assertThat((Boolean) com.jayway.jsonpath.JsonPath.read(problem, "$.call_may_exist")).isTrue();
    }

    @Test
    void aCallLogWriteThatFailsOnceIsRetriedAndThePlacedCallIsLoggedAnnouncedAndRemembered() {
        String to = "+15555550151";
        failCallLogInserts(to, 1);
        try {
            int attempts = ATTEMPTS.get();
            String key = UUID.randomUUID().toString();
            String first = makeCall("acme-key", key, "{\"to\":\"" + to + "\",\"agent_key\":\"sales\"}")
                    .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
            String sid = com.jayway.jsonpath.JsonPath.read(first, "$.call_sid");

            web.get().uri("/api/v1/call-logs/{sid}", sid).header("x-api-key", "acme-key").exchange()
                    .expectStatus().isOk()
                    .expectBody().jsonPath("$.agent_key").isEqualTo("sales");
            try (KafkaEvents events = new KafkaEvents(bootstrap, Topics.CALL_EVENTS)) {
                assertThat(events.await(e -> sid.equals(e.callSid()) && e.data() instanceof CallCreated, 1,
                        Duration.ofSeconds(10))).hasSize(1);
            }
            expectReplayed("acme-key", key, "{\"to\":\"" + to + "\",\"agent_key\":\"sales\"}", first);
            assertThat(ATTEMPTS.get()).as("call creations that reached Twilio").isEqualTo(attempts + 1);
        } finally {
            stopFailingCallLogInserts();
        }
    }

    @Test
    void aPlacedCallWhoseLogCannotBeWrittenIsStillAnsweredAndItsKeyNeverDialsAgain() {
        String to = "+15555550152";
        failCallLogInserts(to, Integer.MAX_VALUE);
        try {
            int attempts = ATTEMPTS.get();
            String key = UUID.randomUUID().toString();
            String first = makeCall("acme-key", key, "{\"to\":\"" + to + "\"}").expectStatus().isOk()
                    .expectBody(String.class).returnResult().getResponseBody();
            String sid = com.jayway.jsonpath.JsonPath.read(first, "$.call_sid");
            assertThat(CREATES.stream().filter(c -> c.get("_sid").contains(sid))).hasSize(1);

            expectReplayed("acme-key", key, "{\"to\":\"" + to + "\"}", first);
            assertThat(ATTEMPTS.get()).as("call creations that reached Twilio").isEqualTo(attempts + 1);
        } finally {
            stopFailingCallLogInserts();
        }
    }

    @Test
    void aClientThatGoesAwayMidRequestStillGetsItsCallLoggedAnnouncedAndRemembered() {
        LATE_ANSWER.set(Duration.ofMillis(1500));
        String key = UUID.randomUUID().toString();
        String body = "{\"to\":\"+15555550146\",\"agent_key\":\"sales\",\"greeting\":\"Hello again\"}";
        int before = CREATES.size();
        int attempts = ATTEMPTS.get();
        // the client gives up (and closes its connection) while Twilio is still creating the call
        StepVerifier.create(HttpClient.newConnection()
                        .headers(h -> h.set("x-api-key", "acme-key").set("Idempotency-Key", key)
                                .set("Content-Type", "application/json"))
                        .post().uri("http://localhost:" + port + "/api/v1/make-call")
                        .send(ByteBufFlux.fromString(Mono.just(body)))
                        .response()
                        .timeout(Duration.ofMillis(400)))
                .expectError(java.util.concurrent.TimeoutException.class)
                .verify(Duration.ofSeconds(5));
        String sid = await().atMost(Duration.ofSeconds(5)).until(() -> CREATES.size() > before ? CREATES.get(before) : null,
                fields -> fields != null).get("_sid").get(0);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                web.get().uri("/api/v1/call-logs/{sid}", sid).header("x-api-key", "acme-key").exchange()
                        .expectStatus().isOk()
                        .expectBody().jsonPath("$.agent_key").isEqualTo("sales"));
        try (KafkaEvents events = new KafkaEvents(bootstrap, Topics.CALL_EVENTS)) {
            assertThat(events.await(e -> sid.equals(e.callSid()) && e.data() instanceof CallCreated, 1,
                    Duration.ofSeconds(10))).hasSize(1);
        }
        LATE_ANSWER.set(Duration.ZERO);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> makeCall("acme-key", key, body)
                .expectStatus().isOk()
                .expectHeader().valueEquals("Idempotent-Replayed", "true")
                .expectBody().jsonPath("$.call_sid").isEqualTo(sid));
        assertThat(ATTEMPTS.get()).as("call creations that reached Twilio").isEqualTo(attempts + 1);
    }

    @Test
    void aRetryAnswersTheFirstResultWhateverVersionTheRolloutWouldPickNow() {
        TenantConfigPublished.Rollout halfAndHalf = new TenantConfigPublished.Rollout(List.of(
                new TenantConfigPublished.Split("hooli-support-v2", 50),
                new TenantConfigPublished.Split("hooli-support-v3", 50)), false, Map.of(), null);
        directory.apply(Tenants.withSupportRollout("hooli", "hooli-key", "+15555550003", halfAndHalf));
        String key = UUID.randomUUID().toString();
        String body = "{\"to\":\"+15555550147\"}";
        String first = makeCall("hooli-key", key, body).expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        String sid = com.jayway.jsonpath.JsonPath.read(first, "$.call_sid");
        String version = com.jayway.jsonpath.JsonPath.read(new String(web.get().uri("/api/v1/call-logs/{sid}", sid)
                .header("x-api-key", "hooli-key").exchange().expectStatus().isOk().expectBody().returnResult()
                .getResponseBody()), "$.agent_version_id");
        // the split picks at random for each request (not sticky by callee): honest retries must not see that
        for (int i = 0; i < 6; i++) {
            makeCall("hooli-key", key, body).expectStatus().isOk().expectBody(String.class).isEqualTo(first);
        }
        // a rollout step puts every new call on the other version
        String other = version.equals("hooli-support-v2") ? "hooli-support-v3" : "hooli-support-v2";
        directory.apply(Tenants.withSupportRollout("hooli", "hooli-key", "+15555550003",
                new TenantConfigPublished.Rollout(List.of(), false, Map.of(), other)));
        expectReplayed("hooli-key", key, body, first);
        makeCall("hooli-key", key, "{\"to\":\"+15555550147\",\"greeting\":\"Hi\"}").expectStatus().isEqualTo(422);
    }

    /** Makes inserts of call logs to {@code to} fail, the first {@code times} of them (a sequence counts them). */
    private void failCallLogInserts(String to, int times) {
        stopFailingCallLogInserts();
        db.sql("CREATE SEQUENCE test_call_log_faults").then().block(Duration.ofSeconds(5));
        db.sql("CREATE FUNCTION test_fail_call_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "IF NEW.to_number = '" + to + "' AND nextval('test_call_log_faults') <= " + times + " THEN "
                + "RAISE EXCEPTION 'call log write refused by the test'; END IF; RETURN NEW; END $$")
                .then().block(Duration.ofSeconds(5));
        db.sql("CREATE TRIGGER test_fail_call_log BEFORE INSERT ON call_logs FOR EACH ROW "
                + "EXECUTE FUNCTION test_fail_call_log()").then().block(Duration.ofSeconds(5));
    }

    private void stopFailingCallLogInserts() {
        db.sql("DROP TRIGGER IF EXISTS test_fail_call_log ON call_logs").then().block(Duration.ofSeconds(5));
        db.sql("DROP FUNCTION IF EXISTS test_fail_call_log()").then().block(Duration.ofSeconds(5));
        db.sql("DROP SEQUENCE IF EXISTS test_call_log_faults").then().block(Duration.ofSeconds(5));
    }

    @Test
    void theMakeCallGreetingIsAParameterOfTheCallsStreamTwimlOnlyWhenGiven() {
        String greeted = callSid(makeCall("initech-key", null,
                "{\"to\":\"+15555550142\",\"greeting\":\"Hello from Initech\"}"));
        String plain = callSid(makeCall("initech-key", null, "{\"to\":\"+15555550143\"}"));

        assertThat(outboundTwiml(greeted, "+15555550142"))
                .contains("<Stream url=\"wss://voice.example.com/api/v1/media-stream\">")
                .contains("<Parameter name=\"token\" value=\"")
                .contains("<Parameter name=\"greeting\" value=\"Hello from Initech\"/>");
        assertThat(outboundTwiml(plain, "+15555550143"))
                .contains("<Parameter name=\"token\" value=\"")
                .doesNotContain("name=\"greeting\"");
    }

    /** The TwiML Twilio gets when the callee of an outbound call answers. */
    private String outboundTwiml(String callSid, String to) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("CallSid", callSid);
        params.put("AccountSid", "AC0123456789abcdef0123456789abcdef");
        params.put("From", "+15555550002");
        params.put("To", to);
        params.put("CallStatus", "in-progress");
        params.put("Direction", "outbound-api");
        return TwilioSignatures.postSigned(web, TOKEN, BASE, "/api/v1/incoming-call", params)
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_XML)
                .expectBody(String.class).returnResult().getResponseBody();
    }

    @Test
    void publicRoutesAreProxiedWithHeadersAndBodies() {
        web.put().uri("/api/v1/admin/tenants/acme/runtime-config?dry_run=true").header("x-admin-key", "admin")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"gpt-realtime\"}")
                .exchange()
                .expectStatus().isEqualTo(207)
                .expectHeader().valueEquals("X-Upstream-Saw-Admin-Key", "admin")
                .expectBody()
                .jsonPath("$.method").isEqualTo("PUT")
                .jsonPath("$.uri").isEqualTo("/api/v1/admin/tenants/acme/runtime-config?dry_run=true")
                .jsonPath("$.body.model").isEqualTo("gpt-realtime");
        web.get().uri("/api/v1/evaluations/sessions/CA1").exchange()
                .expectStatus().isEqualTo(207)
                .expectBody().jsonPath("$.uri").isEqualTo("/api/v1/evaluations/sessions/CA1");
        web.get().uri("/api/v1/callbacks?status=open").exchange()
                .expectStatus().isEqualTo(502)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    private WebTestClient.ResponseSpec makeCall(String apiKey, String idempotencyKey, String body) {
        return makeCall(web, apiKey, idempotencyKey, body);
    }

    private static WebTestClient.ResponseSpec makeCall(WebTestClient web, String apiKey, String idempotencyKey,
                                                       String body) {
        return web.post().uri("/api/v1/make-call")
                .header("x-api-key", apiKey)
                .headers(h -> {
                    if (idempotencyKey != null) {
                        h.set("Idempotency-Key", idempotencyKey);
                    }
                })
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    static Map<String, List<String>> form(String body) {
        Map<String, List<String>> params = new java.util.LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                params.computeIfAbsent(java.net.URLDecoder.decode(pair.substring(0, eq), java.nio.charset.StandardCharsets.UTF_8),
                        k -> new java.util.ArrayList<>())
                        .add(java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return params;
    }

    static String callJson(String account, String sid, String to, String from) {
        return "{\"sid\":\"" + sid + "\",\"account_sid\":\"" + account + "\",\"to\":\"" + to + "\",\"from\":\"" + from
                + "\",\"status\":\"queued\",\"direction\":\"outbound-api\",\"api_version\":\"2010-04-01\","
                + "\"uri\":\"/2010-04-01/Accounts/" + account + "/Calls/" + sid + ".json\"}";
    }

    /** The key's stored answer, given again as it was and marked as a replay (no second call is placed). */
    private void expectReplayed(String apiKey, String key, String body, String first) {
        makeCall(apiKey, key, body).expectStatus().isOk()
                .expectHeader().valueEquals("Idempotent-Replayed", "true")
                .expectBody(String.class).isEqualTo(first);
    }
}
