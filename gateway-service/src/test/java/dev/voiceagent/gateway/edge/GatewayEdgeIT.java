package dev.voiceagent.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.CallEvents.CallCreated;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.contracts.LogLine;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.Topics;
import dev.voiceagent.gateway.calllog.CallLog;
import dev.voiceagent.gateway.calllog.CallLogRepository;
import dev.voiceagent.gateway.calllog.CallStatus;
import dev.voiceagent.gateway.limits.CallSlots;
import dev.voiceagent.gateway.logstream.CallLogStreams;
import dev.voiceagent.gateway.testing.KafkaEvents;
import dev.voiceagent.gateway.outbox.CallEventOutbox;
import io.micrometer.core.instrument.MeterRegistry;
import dev.voiceagent.gateway.testing.Tenants;
import dev.voiceagent.gateway.twilio.TwilioSignatures;
import dev.voiceagent.gateway.twilio.TwimlResponses;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.observability.TraceContinuation;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.ClientRequest;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.test.StepVerifier;

/**
 * The gateway's edge features against a real broker and database: rate and concurrency limits, live log streams,
 * the bridge's proxied routes, answering-machine detection, the call-event outbox and session pre-warm (against
 * stand-ins for Twilio's REST API and the media bridge).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.twilio.account-sid=AC0123456789abcdef0123456789abcdef",
        "voice.twilio.auth-token=" + GatewayEdgeIT.TOKEN,
        "voice.twilio.timeout=3s",
        "voice.gateway.public-base-url=https://voice.example.com",
        "voice.gateway.media-token-secrets=edge-secret",
        "voice.gateway.trusted-proxies=127.0.0.1,::1",
        "voice.gateway.upstream-timeout=2s",
        "voice.gateway.limits.ip-requests-per-second=0.1",
        "voice.gateway.limits.ip-burst=10",
        "voice.gateway.limits.tenant-requests-per-second=0.1",
        "voice.gateway.limits.tenant-burst=8",
        "voice.gateway.limits.tenant-calls-per-second=0.05",
        "voice.gateway.limits.tenant-call-burst=2",
        "voice.gateway.limits.tenant-concurrent-calls=2",
        "voice.gateway.limits.concurrency-retry-after=20s",
        "voice.gateway.log-stream.heartbeat=300ms",
        "voice.gateway.log-stream.close-grace=200ms",
        "voice.gateway.outbox.interval=300ms",
        "voice.gateway.outbox.linger=500ms",
        "voice.gateway.prewarm.timeout=2s"})
@AutoConfigureWebTestClient
@VoiceInfrastructure
class GatewayEdgeIT {

    static final String TOKEN = "edge-test-token";
    private static final String BASE = "https://voice.example.com";

    static final List<Map<String, List<String>>> CREATES = new CopyOnWriteArrayList<>();
    static final List<Map<String, List<String>>> UPDATES = new CopyOnWriteArrayList<>();
    static final List<String> PREWARMS = new CopyOnWriteArrayList<>();
    /** The traceparent header of each pre-warm request, by its body. */
    static final Map<String, String> PREWARM_TRACES = new java.util.concurrent.ConcurrentHashMap<>();
    static final AtomicBoolean SLOW_BRIDGE = new AtomicBoolean();

    static final DisposableServer TWILIO = HttpServer.create().port(0)
            .route(routes -> routes
                    .post("/2010-04-01/Accounts/{account}/Calls.json", (request, response) ->
                            request.receive().aggregate().asString().defaultIfEmpty("").flatMap(body -> {
                                Map<String, List<String>> form = form(body);
                                CREATES.add(form);
                                String sid = newSid();
                                return response.status(201).header("Content-Type", "application/json")
                                        .sendString(Mono.just(callJson(request.param("account"), sid,
                                                form.get("To").get(0), form.get("From").get(0), "queued")))
                                        .then();
                            }))
                    .post("/2010-04-01/Accounts/{account}/Calls/{sid}.json", (request, response) ->
                            request.receive().aggregate().asString().defaultIfEmpty("").flatMap(body -> {
                                Map<String, List<String>> form = form(body);
                                form.put("_sid", List.of(request.param("sid")));
                                UPDATES.add(form);
                                return response.status(200).header("Content-Type", "application/json")
                                        .sendString(Mono.just(callJson(request.param("account"), request.param("sid"),
                                                "+15555550100", "+15555550000", "completed")))
                                        .then();
                            })))
            .bindNow();
    static final DisposableServer BRIDGE = HttpServer.create().port(0)
            .route(routes -> routes
                    .post("/internal/v1/sessions/prewarm", (request, response) ->
                            request.receive().aggregate().asString().flatMap(body -> {
                                PREWARM_TRACES.put(body, String.valueOf(request.requestHeaders().get("traceparent")));
                                PREWARMS.add(body);
                                Mono<Void> answer = response.status(202).send().then();
                                return SLOW_BRIDGE.get() ? Mono.delay(Duration.ofSeconds(3)).then(answer) : answer;
                            }))
                    .get("/**", (request, response) -> response.status(200)
                            .header("Content-Type", "application/json")
                            .sendString(Mono.just("{\"bridge_saw\":\"" + request.uri() + "\"}")).then()))
            .bindNow();

    @DynamicPropertySource
    static void endpoints(DynamicPropertyRegistry registry) {
        registry.add("voice.twilio.api-base-url", () -> "http://localhost:" + TWILIO.port());
        registry.add("voice.gateway.bridge-api-url", () -> "http://localhost:" + BRIDGE.port());
    }

    @AfterAll
    static void stop() {
        TWILIO.disposeNow();
        BRIDGE.disposeNow();
    }

    /** Fails every publish while {@link #failing} is set, as a broker outage would. */
    static class FlakyEventPublisher extends EventPublisher {
        final AtomicBoolean failing = new AtomicBoolean();

        FlakyEventPublisher(KafkaTemplate<String, String> template) {
            super(template, "gateway-service");
        }

        @Override
        public Mono<Void> publish(EventEnvelope<?> envelope) {
            return failing.get() ? Mono.error(new IllegalStateException("broker unavailable")) : super.publish(envelope);
        }
    }

    @TestConfiguration
    static class Flaky {
        @Bean
        @Primary
        FlakyEventPublisher flakyEventPublisher(KafkaTemplate<String, String> template) {
            return new FlakyEventPublisher(template);
        }
    }

    @Autowired WebTestClient baseWeb;
    @Autowired TenantDirectory directory;
    @Autowired CallLogRepository calls;
    @Autowired CallLogStreams streams;
    @Autowired FlakyEventPublisher events;
    @Autowired DatabaseClient db;
    @Autowired CallSlots slots;
    @Autowired CallEventOutbox outbox;
    @Autowired MeterRegistry meters;
    @Value("${spring.kafka.bootstrap-servers}") String bootstrap;
    WebTestClient web;

    @BeforeEach
    void setUp() {
        for (String id : List.of("chatty", "crowded", "streamer", "intruder", "dialer", "outboxer", "warm", "reader", "screener",
                "answerphone")) {
            directory.apply(Tenants.tenant(id, id + "-key", number(id), true));
        }
        events.failing.set(false);
        SLOW_BRIDGE.set(false);
        // every request comes from its own client address (through the trusted local proxy), so only the
        // per-IP test below meets the per-IP limit
        web = baseWeb.mutate().filter((request, next) -> next.exchange(ClientRequest.from(request)
                .header("X-Forwarded-For", randomIp()).build())).build();
    }

    // ---- limits ------------------------------------------------------------------------------------------

    @Test
    void theLiveCountStopsAtTheLimitAndIsExactBelowIt() {
        // a tenant's live calls are counted under its lock on every admission: counting past the limit would read
        // rows for nothing, and a tenant far over its limit (one just lowered) would make every admission slow
        String tenant = "slots-" + UUID.randomUUID();
        Duration maxAge = Duration.ofHours(4);
        for (int i = 0; i < 5; i++) {
            assertThat(slots.admit(slotCall(tenant), null, maxAge).block(Duration.ofSeconds(10)).created()).isTrue();
        }
        CallSlots.Admission refused = slots.admit(slotCall(tenant), 3, maxAge).block(Duration.ofSeconds(10));
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.live()).isEqualTo(3);
        CallSlots.Admission admitted = slots.admit(slotCall(tenant), 10, maxAge).block(Duration.ofSeconds(10));
        assertThat(admitted.admitted()).isTrue();
        assertThat(admitted.live()).isEqualTo(5);
        // make-call reservations count with the call logs: 6 logged + 1 reserved reaches a limit of 7
        CallSlots.Reservation first = slots.reserve(UUID.randomUUID().toString(), tenant, 7, maxAge,
                Duration.ofMinutes(1)).block(Duration.ofSeconds(10));
        assertThat(first.reserved()).isTrue();
        assertThat(first.live()).isEqualTo(6);
        CallSlots.Reservation second = slots.reserve(UUID.randomUUID().toString(), tenant, 7, maxAge,
                Duration.ofMinutes(1)).block(Duration.ofSeconds(10));
        assertThat(second.reserved()).isFalse();
        assertThat(second.live()).isEqualTo(7);
    }

    private static CallLog slotCall(String tenant) {
        return CallLog.opened("CA" + UUID.randomUUID().toString().replace("-", ""), tenant, CallLog.INBOUND,
                "+15555550100", "+15555550199", CallStatus.RINGING, null, null, null);
    }

    @Test
    void clientAddressOverItsRateGets429WithRetryAfter() {
        for (int i = 0; i < 10; i++) {
            baseWeb.get().uri("/api/v1/call-logs").header("X-Forwarded-For", "203.0.113.7")
                    .exchange().expectStatus().isUnauthorized();
        }
        baseWeb.get().uri("/api/v1/call-logs").header("X-Forwarded-For", "203.0.113.7").exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().value("Retry-After", value -> assertThat(Long.parseLong(value)).isPositive())
                .expectBody().jsonPath("$.status").isEqualTo(429);
        // the same route spelled with a path parameter is the same route, and as limited
        baseWeb.get().uri("/api;v=1/v1/call-logs").header("X-Forwarded-For", "203.0.113.7").exchange()
                .expectStatus().isEqualTo(429);
        // another client is not affected, and Twilio's webhooks are never limited per address
        baseWeb.get().uri("/api/v1/call-logs").header("X-Forwarded-For", "203.0.113.8").header("x-api-key", "reader-key")
                .exchange().expectStatus().isOk();
        for (int i = 0; i < 3; i++) {
            String sid = newSid();
            postSigned(baseWeb.mutate().defaultHeader("X-Forwarded-For", "203.0.113.7").build(), "/api/v1/call-status",
                    Map.of("CallSid", sid, "CallStatus", "completed")).expectStatus().isNoContent();
        }
    }

    @Test
    void tenantOverItsRequestRateGets429WithRetryAfter() {
        for (int i = 0; i < 8; i++) {
            web.get().uri("/api/v1/call-logs").header("x-api-key", "chatty-key").exchange().expectStatus().isOk();
        }
        web.get().uri("/api/v1/call-logs").header("x-api-key", "chatty-key").exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().exists("Retry-After")
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        web.get().uri("/api/v1/call-logs").header("x-api-key", "reader-key").exchange().expectStatus().isOk();
    }

    @Test
    void tenantAtItsConcurrentCallLimitGetsBusyTwimlAndMakeCall429() {
        String first = newSid();
        String second = newSid();
        assertThat(incomingCall(first, number("crowded"))).contains("<Stream");
        assertThat(incomingCall(second, number("crowded"))).contains("<Stream");
        // Twilio asking again for a call already admitted is not refused by that call's own slot
        assertThat(incomingCall(second, number("crowded"))).contains("<Stream");

        String third = newSid();
        String busy = incomingCall(third, number("crowded"));
        assertThat(busy).contains("<Say>" + TwimlResponses.BUSY_MESSAGE + "</Say>").contains("<Hangup").doesNotContain("<Stream");
        StepVerifier.create(calls.findByCallSid(third)).verifyComplete();

        int creates = CREATES.size();
        web.post().uri("/api/v1/make-call").header("x-api-key", "crowded-key").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"to\":\"+15555550100\"}")
                .exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().valueEquals("Retry-After", "20")
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(CREATES).hasSize(creates);

        status(first, "completed");
        assertThat(incomingCall(third, number("crowded"))).contains("<Stream");
    }

    @Test
    void tenantPlacingCallsOverItsCallRateGets429WithRetryAfterBeforeTwilioIsAsked() {
        // tenants of their own: their buckets are full and they have no live calls (on a rerun too)
        String hasty = "hasty-" + UUID.randomUUID().toString().substring(0, 8);
        String patient = "patient-" + UUID.randomUUID().toString().substring(0, 8);
        directory.apply(Tenants.tenant(hasty, hasty + "-key", "+15555570001", true));
        directory.apply(Tenants.tenant(patient, patient + "-key", "+15555570002", true));
        int creates = CREATES.size();
        makeCall(hasty + "-key", "{\"to\":\"+15555550120\"}");
        makeCall(hasty + "-key", "{\"to\":\"+15555550121\"}");
        assertThat(CREATES).hasSize(creates + 2);

        // the bucket holds 2 calls and refills one every 20 s; the rate is checked before the concurrent calls (2
        // here, both live now), so this refusal is the rate's
        var refused = web.post().uri("/api/v1/make-call").header("x-api-key", hasty + "-key")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"to\":\"+15555550129\"}")
                .exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(String.class).returnResult();
        String retryAfter = refused.getResponseHeaders().getFirst("Retry-After");
        assertThat(Integer.parseInt(retryAfter)).isBetween(1, 20);
        assertThat(com.jayway.jsonpath.JsonPath.<String>read(refused.getResponseBody(), "$.detail"))
                .contains("placed too fast");
        assertThat(com.jayway.jsonpath.JsonPath.<Integer>read(refused.getResponseBody(), "$.retry_after_seconds"))
                .isEqualTo(Integer.parseInt(retryAfter));
        assertThat(CREATES).hasSize(creates + 2);

        // the bucket is the tenant's own
        makeCall(patient + "-key", "{\"to\":\"+15555550130\"}");
        assertThat(CREATES).hasSize(creates + 3);
        assertThat(CREATES.get(creates + 2)).as("no length limit of its own: Twilio's default")
                .doesNotContainKey("TimeLimit");
    }

    @Test
    void aTenantsOwnLimitsTakeThePlaceOfTheGatewayDefaults() {
        // the defaults here: 2 live calls, one call placed every 20 s; this tenant's view says 3 live, 1 a minute
        String roomy = "roomy-" + UUID.randomUUID().toString().substring(0, 8);
        String number = "+15555571" + String.format("%03d", ThreadLocalRandom.current().nextInt(1000));
        TenantConfigPublished base = Tenants.tenant(roomy, roomy + "-key", number, true);
        directory.apply(new TenantConfigPublished(base.tenantId(), base.displayName(), base.enabled(),
                base.phoneNumbers(), base.timeZone(), base.runtimeConfig(), base.apiKeyHashes(), base.agents(),
                base.revision(), new TenantConfigPublished.TenantLimits(3, 1, 600)));

        int creates = CREATES.size();
        makeCall(roomy + "-key", "{\"to\":\"+15555550140\"}");
        // Twilio ends the placed call at the tenant's maximum length, with time for the bridge's goodbye
        assertThat(CREATES.get(creates).get("TimeLimit")).containsExactly("630");
        var refused = web.post().uri("/api/v1/make-call").header("x-api-key", roomy + "-key")
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"to\":\"+15555550141\"}")
                .exchange()
                .expectStatus().isEqualTo(429)
                .expectBody(String.class).returnResult();
        assertThat(Integer.parseInt(refused.getResponseHeaders().getFirst("Retry-After")))
                .as("a minute's rate, not the default's 20 s").isGreaterThan(20).isLessThanOrEqualTo(60);
        assertThat(CREATES).hasSize(creates + 1);

        // the placed call is live; two more fit under the tenant's 3 (the default would refuse the second)
        assertThat(incomingCall(newSid(), number)).contains("<Stream");
        assertThat(incomingCall(newSid(), number)).contains("<Stream");
        assertThat(incomingCall(newSid(), number)).contains("<Say>" + TwimlResponses.BUSY_MESSAGE + "</Say>")
                .doesNotContain("<Stream");
    }

    // ---- live log stream ---------------------------------------------------------------------------------

    @Test
    void logStreamShowsTheCallsLinesToItsTenantOnlyAndEndsWithTheCall() {
        String sid = newSid();
        incomingCall(sid, number("streamer"));
        web.get().uri("/api/v1/calls/{sid}/logs/stream", sid).header("x-api-key", "intruder-key").exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        web.get().uri("/api/v1/calls/{sid}/logs/stream", sid).exchange().expectStatus().isUnauthorized();

        List<ServerSentEvent<String>> received = new CopyOnWriteArrayList<>();
        AtomicBoolean ended = new AtomicBoolean();
        var body = web.get().uri("/api/v1/calls/{sid}/logs/stream", sid).header("x-api-key", "streamer-key")
                .accept(MediaType.TEXT_EVENT_STREAM)
                .exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                .getResponseBody();
        Disposable subscription = body.doOnComplete(() -> ended.set(true)).subscribe(received::add);
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> streams.watchedCalls() > 0);
            status(sid, "in-progress");
            // a line from another service through voice.logs.v1, and one claiming another tenant (never shown)
            events.publish("streamer", sid, new LogLine("info", "bridge: model session opened")).block(Duration.ofSeconds(10));
            events.publish("intruder", sid, new LogLine("info", "not yours")).block(Duration.ofSeconds(10));
            await().atMost(Duration.ofSeconds(10)).until(() -> data(received).stream()
                    .anyMatch(line -> line.contains("bridge: model session opened")));
            await().atMost(Duration.ofSeconds(5)).until(() -> received.stream().anyMatch(e -> e.event() == null
                    && "heartbeat".equals(e.comment())));

            status(sid, "completed");
            await().atMost(Duration.ofSeconds(10)).untilTrue(ended);
        } finally {
            subscription.dispose();
        }
        List<String> lines = data(received);
        assertThat(lines).anyMatch(line -> line.contains("status changed: ringing -> in-progress")
                && line.contains("\"level\":\"info\"") && line.contains("\"source\":\"gateway-service\""));
        assertThat(lines).noneMatch(line -> line.contains("not yours"));
        assertThat(lines).allMatch(line -> !line.contains("+15555550100"));
        assertThat(received.get(received.size() - 1).event()).isEqualTo("end");
        await().atMost(Duration.ofSeconds(5)).until(() -> streams.watchedCalls() == 0);

        // the gateway's own lines are on voice.logs.v1 too, numbers masked
        try (KafkaEvents logs = new KafkaEvents(bootstrap, Topics.LOGS)) {
            var published = logs.await(e -> sid.equals(e.callSid()) && e.data() instanceof LogLine line
                    && line.message().startsWith("incoming-call webhook received"), 1, Duration.ofSeconds(10));
            assertThat(published).hasSize(1);
            assertThat(published.get(0).value()).doesNotContain("+15555550100").contains("+1********00")
                    .as("one line for the webhook and its answer").contains("answered with a media stream");
            // no span of its own, but the record names the trace of the request that logged it
            assertThat(published.get(0).headers().lastHeader(TraceContinuation.TRACEPARENT)).isNotNull();
            assertThat(new String(published.get(0).headers().lastHeader(TraceContinuation.TRACEPARENT).value(),
                    StandardCharsets.UTF_8)).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        }
        // a finished call's stream ends at once
        web.get().uri("/api/v1/calls/{sid}/logs/stream", sid).header("x-api-key", "streamer-key").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).value(text -> assertThat(text).contains("event:end"));
    }

    // ---- proxied bridge routes ---------------------------------------------------------------------------

    @Test
    void voiceSessionAndActiveSessionRoutesAreProxiedToTheBridge() {
        web.get().uri("/api/v1/voice-sessions?limit=5&status=ended").header("x-api-key", "reader-key").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.bridge_saw").isEqualTo("/api/v1/voice-sessions?limit=5&status=ended");
        web.get().uri("/api/v1/voice-sessions/CA123").header("x-api-key", "reader-key").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.bridge_saw").isEqualTo("/api/v1/voice-sessions/CA123");
        web.get().uri("/api/v1/active-sessions").header("x-api-key", "reader-key").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.bridge_saw").isEqualTo("/api/v1/active-sessions");
    }

    // ---- answering-machine detection ---------------------------------------------------------------------

    @Test
    void asyncMachineDetectionLeavesTheVoicemailMessageAndRecordsNoAnswer() {
        int before = CREATES.size();
        String sid = makeCall("dialer-key", "{\"to\":\"+15555550111\",\"machine_detection\":\"DetectMessageEnd\","
                + "\"voicemail_policy\":\"leave_message\",\"voicemail_message\":\"Please call us back.\"}");
        Map<String, List<String>> create = CREATES.get(before);
        assertThat(create.get("MachineDetection")).containsExactly("DetectMessageEnd");
        assertThat(create.get("AsyncAmd")).containsExactly("true");
        assertThat(create.get("AsyncAmdStatusCallback")).singleElement().asString()
                .startsWith(BASE + "/api/v1/amd-status?traceparent=00-");

        postSigned(web, "/api/v1/amd-status", Map.of("CallSid", sid, "AccountSid", "AC1",
                "AnsweredBy", "machine_end_beep")).expectStatus().isNoContent();

        await().atMost(Duration.ofSeconds(5)).until(() -> UPDATES.stream().anyMatch(u -> u.get("_sid").contains(sid)));
        Map<String, List<String>> update = UPDATES.stream().filter(u -> u.get("_sid").contains(sid)).findFirst().orElseThrow();
        assertThat(update.get("Twiml").get(0)).contains("<Say>Please call us back.</Say>").contains("<Hangup");
        web.get().uri("/api/v1/call-logs/{sid}", sid).header("x-api-key", "dialer-key").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.outcome").isEqualTo("no_answer");
    }

    @Test
    void machineReportedWithTheTwimlRequestGetsTheHangupPolicy() {
        String machine = makeCall("screener-key", "{\"to\":\"+15555550112\",\"machine_detection\":\"Enable\"}");
        String xml = postSigned(web, "/api/v1/incoming-call", outbound(machine, "machine_start"))
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(xml).contains("<Hangup").doesNotContain("<Stream").doesNotContain("<Say");
        StepVerifier.create(calls.findByCallSid(machine))
                .assertNext(log -> {
                    assertThat(log.outcome()).isEqualTo("no_answer");
                    assertThat(log.answeredBy()).isEqualTo("machine_start");
                })
                .verifyComplete();

        postSigned(web, "/api/v1/amd-status", Map.of("CallSid", machine, "AnsweredBy", "fax")).expectStatus().isNoContent();
        await().atMost(Duration.ofSeconds(5)).until(() -> UPDATES.stream().anyMatch(u -> u.get("_sid").contains(machine)
                && List.of("completed").equals(u.get("Status"))));

        String human = makeCall("screener-key", "{\"to\":\"+15555550113\",\"machine_detection\":\"Enable\"}");
        assertThat(postSigned(web, "/api/v1/incoming-call", outbound(human, "human"))
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody()).contains("<Stream");
    }

    @Test
    void aMachineAnsweringUnderSynchronousDetectionGetsOneNoAnswerOutcome() {
        String sid = makeCall("answerphone-key", "{\"to\":\"+15555550114\",\"machine_detection\":\"Enable\"}");
        assertThat(postSigned(web, "/api/v1/incoming-call", outbound(sid, "machine_start"))
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody()).contains("<Hangup");
        // no session will report this call: the outcome comes from here, once, even if Twilio asks again
        postSigned(web, "/api/v1/incoming-call", outbound(sid, "machine_start")).expectStatus().isOk();

        try (KafkaEvents events = new KafkaEvents(bootstrap, Topics.OUTCOMES)) {
            var records = events.await(e -> sid.equals(e.callSid()) && e.data() instanceof SessionOutcome, 1,
                    Duration.ofSeconds(10));
            assertThat(records).hasSize(1);
            assertThat(records.get(0).key()).isEqualTo(sid);
            EventEnvelope<?> envelope = EventCodec.decode(records.get(0).value()).orElseThrow();
            assertThat(envelope.tenantId()).isEqualTo("answerphone");
            SessionOutcome outcome = (SessionOutcome) envelope.data();
            assertThat(outcome.outcome()).isEqualTo(Outcome.NO_ANSWER);
            assertThat(outcome.agentVersionId()).isEqualTo("answerphone-support-v1");
            assertThat(outcome.callerNumber()).isEqualTo("+15555550114");
            assertThat(outcome.escalationReason()).isNull();
        }
        assertThat(db.sql("SELECT count(*) AS n FROM outbox_events WHERE event_key = :sid AND payload LIKE "
                        + "'%voice.session.outcome%'").bind("sid", sid)
                .map(row -> row.get("n", Long.class)).one().block(Duration.ofSeconds(5)))
                .as("outcome events written for the call").isEqualTo(1L);
        web.get().uri("/api/v1/call-logs/{sid}", sid).header("x-api-key", "answerphone-key").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.outcome").isEqualTo("no_answer");
    }

    @Test
    void machineDetectionRequestsAreValidated() {
        for (String body : List.of(
                "{\"to\":\"+15555550100\",\"voicemail_policy\":\"hangup\"}",
                "{\"to\":\"+15555550100\",\"machine_detection\":\"Sometimes\"}",
                "{\"to\":\"+15555550100\",\"machine_detection\":\"Enable\",\"voicemail_policy\":\"sing\"}",
                "{\"to\":\"+15555550100\",\"machine_detection\":\"Enable\",\"voicemail_policy\":\"leave_message\"}")) {
            web.post().uri("/api/v1/make-call").header("x-api-key", "dialer-key").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(body).exchange()
                    .expectStatus().isBadRequest()
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        }
    }

    // ---- outbox ------------------------------------------------------------------------------------------

    @Test
    void callEventWrittenWhileKafkaFailsIsPublishedLater() {
        String sid = newSid();
        events.failing.set(true);
        assertThat(incomingCall(sid, number("outboxer"))).contains("<Stream");
        StepVerifier.create(calls.findByCallSid(sid)).expectNextCount(1).verifyComplete();
        try (KafkaEvents created = new KafkaEvents(bootstrap, Topics.CALL_EVENTS)) {
            assertThat(created.await(e -> sid.equals(e.callSid()) && e.data() instanceof CallCreated, 1,
                    Duration.ofSeconds(2))).isEmpty();
            assertThat(pendingOutboxRows(sid)).isEqualTo(1);

            events.failing.set(false);
            assertThat(created.await(e -> sid.equals(e.callSid()) && e.data() instanceof CallCreated, 1,
                    Duration.ofSeconds(15))).hasSize(1);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> pendingOutboxRows(sid) == 0);
    }

    @Test
    void eventsWrittenTogetherShareARelayPass() {
        // a first event, so that the producer has the topic's metadata and the passes below take their usual time
        String first = newSid();
        writeCreatedEvent(first).block(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(10)).until(() -> pendingOutboxRows(first) == 0);
        double batchesBefore = meters.counter("voice.gateway.outbox.batches").count();
        double publishedBefore = meters.counter("voice.gateway.outbox.published").count();
        List<String> sids = IntStream.range(0, 12).mapToObj(i -> newSid()).toList();
        try (KafkaEvents created = new KafkaEvents(bootstrap, Topics.CALL_EVENTS)) {
            // twelve transactions, each with its own outbox row, committed 30 ms apart: each wakes the relay, and its
            // linger (500 ms here) lets one pass, or a few, take them all instead of one pass (transaction, select,
            // publish, update) a row
            Flux.fromIterable(sids).delayElements(Duration.ofMillis(30))
                    .concatMap(this::writeCreatedEvent)
                    .blockLast(Duration.ofSeconds(10));
            assertThat(created.await(e -> sids.contains(e.callSid()) && e.data() instanceof CallCreated, sids.size(),
                    Duration.ofSeconds(15))).hasSize(sids.size());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> sids.stream().allMatch(sid -> pendingOutboxRows(sid) == 0));
        await().atMost(Duration.ofSeconds(5)).until(() ->
                meters.counter("voice.gateway.outbox.published").count() - publishedBefore >= sids.size());
        double batches = meters.counter("voice.gateway.outbox.batches").count() - batchesBefore;
        assertThat(batches).as("relay transactions for %d rows", sids.size()).isBetween(1.0, sids.size() / 3.0);
    }

    // ---- pre-warm ----------------------------------------------------------------------------------------

    @Test
    void incomingCallAsksTheBridgeToPrewarmWithoutWaitingForIt() {
        String sid = newSid();
        incomingCall(sid, number("warm"));
        await().atMost(Duration.ofSeconds(5)).until(() -> PREWARMS.stream().anyMatch(b -> b.contains(sid)));
        String body = PREWARMS.stream().filter(b -> b.contains(sid)).findFirst().orElseThrow();
        assertThat(body).contains("\"call_sid\":\"" + sid + "\"").contains("\"tenant_id\":\"warm\"")
                .contains("\"agent_key\":\"support\"").contains("\"agent_version_id\":\"warm-support-v1\"")
                .contains("\"caller\":\"+15555550100\"").contains("\"direction\":\"inbound\"");
        // the pre-warm carries the call's trace, so the bridge's pre-warm joins it
        assertThat(PREWARM_TRACES.get(body)).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");

        SLOW_BRIDGE.set(true);
        long started = System.nanoTime();
        String slow = newSid();
        assertThat(incomingCall(slow, number("warm"))).contains("<Stream");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1500));
        await().atMost(Duration.ofSeconds(5)).until(() -> PREWARMS.stream().anyMatch(b -> b.contains(slow)));
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    /** A {@code voice.call.created} outbox row committed in a transaction of its own, as a state change writes it. */
    private Mono<Void> writeCreatedEvent(String sid) {
        return outbox.inTransaction(outbox.add(outbox.envelope("outboxer", sid,
                new CallCreated("inbound", "+15555550100", "+15555550199", "support", "v1"))));
    }

    private long pendingOutboxRows(String sid) {
        return db.sql("SELECT count(*) AS n FROM outbox_events WHERE event_key = :sid AND published_at IS NULL")
                .bind("sid", sid).map(row -> row.get("n", Long.class)).one().block(Duration.ofSeconds(5));
    }

    private String makeCall(String key, String body) {
        String response = web.post().uri("/api/v1/make-call").header("x-api-key", key)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        return com.jayway.jsonpath.JsonPath.read(response, "$.call_sid");
    }

    private String incomingCall(String sid, String to) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("CallSid", sid);
        params.put("AccountSid", "AC1");
        params.put("From", "+15555550100");
        params.put("To", to);
        params.put("CallStatus", "ringing");
        params.put("Direction", "inbound");
        return postSigned(web, "/api/v1/incoming-call", params).expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
    }

    private static Map<String, String> outbound(String sid, String answeredBy) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("CallSid", sid);
        params.put("AccountSid", "AC1");
        params.put("From", "+15555550000");
        params.put("To", "+15555550112");
        params.put("CallStatus", "in-progress");
        params.put("Direction", "outbound-api");
        params.put("AnsweredBy", answeredBy);
        return params;
    }

    private void status(String sid, String status) {
        postSigned(web, "/api/v1/call-status", Map.of("CallSid", sid, "AccountSid", "AC1", "CallStatus", status))
                .expectStatus().isNoContent();
    }

    private static WebTestClient.ResponseSpec postSigned(WebTestClient client, String path, Map<String, String> params) {
        return TwilioSignatures.postSigned(client, TOKEN, BASE, path, params);
    }

    private static List<String> data(List<ServerSentEvent<String>> events) {
        List<String> lines = new ArrayList<>();
        events.stream().filter(e -> "log".equals(e.event())).forEach(e -> lines.add(e.data()));
        return lines;
    }

    static String number(String tenant) {
        return "+1555556" + String.format("%04d", Math.abs(tenant.hashCode()) % 10_000);
    }

    static String randomIp() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "10." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(1, 255);
    }

    static String newSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }

    static Map<String, List<String>> form(String body) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                params.computeIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        k -> new ArrayList<>()).add(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return params;
    }

    static String callJson(String account, String sid, String to, String from, String status) {
        return "{\"sid\":\"" + sid + "\",\"account_sid\":\"" + account + "\",\"to\":\"" + to + "\",\"from\":\"" + from
                + "\",\"status\":\"" + status + "\",\"direction\":\"outbound-api\",\"api_version\":\"2010-04-01\","
                + "\"uri\":\"/2010-04-01/Accounts/" + account + "/Calls/" + sid + ".json\"}";
    }
}
