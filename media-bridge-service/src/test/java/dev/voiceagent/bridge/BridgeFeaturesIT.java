package dev.voiceagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.bridge.records.VoiceSessionRepository;
import dev.voiceagent.bridge.session.VoiceSessionRecord;
import dev.voiceagent.bridge.realtime.ReactorNettyRealtimeClient;
import dev.voiceagent.bridge.realtime.RealtimeClient;
import dev.voiceagent.bridge.realtime.RealtimeCodec;
import dev.voiceagent.bridge.realtime.RealtimeProperties;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.support.tenant.ApiKeys;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.audio.Tones;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import dev.voiceagent.testkit.realtime.RealtimeSimulator;
import dev.voiceagent.testkit.scenario.ModelAction;
import dev.voiceagent.testkit.scenario.Scenario;
import io.micrometer.tracing.handler.TracingObservationHandler;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;

/**
 * Fast first turn, stored voice sessions and media-path spans, against the realtime simulator behind a model
 * handshake that takes {@link #HANDSHAKE} (a TLS handshake to a real model endpoint costs that or more).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.bridge.instance-id=bridge-features-it",
        "voice.realtime.api-key=sim-key",
        "voice.bridge.filler-threshold=20s",
        "voice.bridge.prewarm.ttl=5s"})
@AutoConfigureWebTestClient
@VoiceInfrastructure
class BridgeFeaturesIT {

    static final Duration HANDSHAKE = Duration.ofMillis(400);
    private static final String TENANT = "features-tenant";
    private static final String API_KEY = "features-key";
    private static final String OTHER_KEY = "other-key";
    private static final String STREAM = "MZfeat01";
    private static final Scenario SCENARIO = Scenario.builder("features-it")
            .greeting("Welcome to Demo Bank.")
            .turn("I want to know my balance.", ModelAction.say("Sure, one moment."))
            .build();
    private static final RealtimeSimulator SIMULATOR = RealtimeSimulator.start(0, SCENARIO).requireApiKey("sim-key");
    static final List<Observation.Context> SPANS = new CopyOnWriteArrayList<>();

    @DynamicPropertySource
    static void realtime(DynamicPropertyRegistry registry) {
        registry.add("voice.realtime.url", SIMULATOR::url);
    }

    @AfterAll
    static void stopSimulator() {
        SIMULATOR.close();
    }

    /** The model client with a realistic handshake delay, and a span recorder. */
    @TestConfiguration
    static class SlowHandshake {
        @Bean
        @Primary
        RealtimeClient slowHandshakeClient(RealtimeProperties properties) {
            RealtimeClient real = new ReactorNettyRealtimeClient(properties, new RealtimeCodec());
            return (model, outbound) -> Mono.delay(HANDSHAKE).thenMany(real.connect(model, outbound));
        }

        @Bean
        ObservationHandler<Observation.Context> bridgeSpanRecorder() {
            return new ObservationHandler<>() {
                @Override
                public boolean supportsContext(Observation.Context context) {
                    return context.getName() != null && context.getName().startsWith("voice.bridge.");
                }

                @Override
                public void onStop(Observation.Context context) {
                    SPANS.add(context);
                }
            };
        }
    }

    @LocalServerPort
    int port;
    @Autowired
    TenantDirectory tenants;
    @Autowired
    WebTestClient web;
    @Autowired
    VoiceSessionRepository sessions;

    @BeforeEach
    void tenants() {
        web = web.mutate().responseTimeout(Duration.ofSeconds(30)).build();
        var runtime = new TenantConfigPublished.RuntimeConfig("gpt-realtime", "alloy", "support_default", 1,
                "You are Demo Bank's phone agent.", null, "en-US", "Welcome to Demo Bank.");
        var agent = new AgentView("support", "agv-f-1", List.of("lookup", "escalation"), null);
        tenants.apply(new TenantConfigPublished(TENANT, "Features", true, List.of("+15550002222"), "UTC", runtime,
                List.of(ApiKeys.hash(API_KEY)), List.of(agent), 1));
        tenants.apply(new TenantConfigPublished("other-tenant", "Other", true, List.of("+15550003333"), "UTC", runtime,
                List.of(ApiKeys.hash(OTHER_KEY)), List.of(agent), 1));
    }

    private Map<String, String> headers(String callSid, String traceparent) {
        var headers = new java.util.HashMap<>(Map.of("X-Voice-Call-Sid", callSid, "X-Voice-Tenant-Id", TENANT,
                "X-Voice-Agent-Key", "support", "X-Voice-Agent-Version-Id", "agv-f-1",
                "X-Voice-Caller", "+15555550100", "X-Voice-Direction", "inbound"));
        if (traceparent != null) {
            headers.put("traceparent", traceparent);
        }
        return headers;
    }

    private static String newCallSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }

    /** Milliseconds from the stream's start to the first agent audio frame at the gateway side. */
    private long timeToFirstAudio(String callSid, String traceparent, boolean talk) {
        try (GatewaySide gateway = GatewaySide.connect(port, headers(callSid, traceparent))) {
            gateway.send("{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}");
            long started = System.nanoTime();
            gateway.send(GatewaySide.start(callSid, STREAM));
            await().atMost(GatewaySide.timeout()).pollInterval(Duration.ofMillis(2))
                    .until(() -> !gateway.events("media").isEmpty());
            long ttfa = (System.nanoTime() - started) / 1_000_000;
            if (talk) {
                await().atMost(GatewaySide.timeout()).pollDelay(Duration.ofMillis(300))
                        .until(() -> !gateway.events("mark").isEmpty());
                int greetingFrames = gateway.events("media").size();
                gateway.sendAudio(STREAM, Tones.tone(600, 300));
                gateway.sendAudio(STREAM, Tones.silence(400));
                await().atMost(GatewaySide.timeout()).until(() -> gateway.events("media").size() > greetingFrames);
            }
            gateway.send(GatewaySide.stop(callSid, STREAM));
            await().atMost(GatewaySide.timeout()).until(() -> gateway.closeStatus.get() != null);
            return ttfa;
        }
    }

    private void prewarm(String callSid) {
        web.post().uri("/internal/v1/sessions/prewarm").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("call_sid", callSid, "tenant_id", TENANT, "agent_key", "support",
                        "agent_version_id", "agv-f-1", "caller", "+15555550100", "direction", "inbound"))
                .exchange()
                .expectStatus().isAccepted()
                .expectBody().jsonPath("$.status").isEqualTo("prewarming");
    }

    @Test
    void aPrewarmedSessionCutsTheTimeToFirstAgentAudio() throws InterruptedException {
        timeToFirstAudio(newCallSid(), null, false); // warms the JVM paths
        long[] cold = new long[3];
        long[] warm = new long[3];
        for (int i = 0; i < 3; i++) {
            cold[i] = timeToFirstAudio(newCallSid(), null, false);
            String callSid = newCallSid();
            prewarm(callSid);
            // Twilio fetching the TwiML and opening the stream takes at least this long
            Thread.sleep(HANDSHAKE.toMillis() + 200);
            warm[i] = timeToFirstAudio(callSid, null, false);
        }
        long coldMedian = java.util.Arrays.stream(cold).sorted().toArray()[1];
        long warmMedian = java.util.Arrays.stream(warm).sorted().toArray()[1];
        System.out.printf("%n=== time to first agent audio (model handshake %d ms) ===%n"
                        + "without prewarm: %s ms (median %d)%nwith prewarm:    %s ms (median %d)%n%n",
                HANDSHAKE.toMillis(), java.util.Arrays.toString(cold), coldMedian, java.util.Arrays.toString(warm),
                warmMedian);
        assertThat(warmMedian).isLessThan(coldMedian - HANDSHAKE.toMillis() / 2);
    }

    @Test
    void anUnusedPrewarmedSessionExpiresAndARepeatIsIdempotent() {
        String callSid = newCallSid();
        prewarm(callSid);
        web.post().uri("/internal/v1/sessions/prewarm").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("call_sid", callSid, "tenant_id", TENANT, "agent_key", "support"))
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("already_prewarmed");
        int before = SIMULATOR.sessions().size();
        await().atMost(Duration.ofSeconds(15)).until(() -> SIMULATOR.sessions().stream()
                .skip(Math.max(0, before - 1)).anyMatch(s -> s.closed()));
    }

    @Test
    void prewarmValidatesItsRequest() {
        web.post().uri("/internal/v1/sessions/prewarm").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("tenant_id", TENANT, "agent_key", "support"))
                .exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("call_sid");
        web.post().uri("/internal/v1/sessions/prewarm").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("call_sid", "CAx", "tenant_id", "nobody", "agent_key", "support"))
                .exchange().expectStatus().isNotFound();
    }

    @Test
    void finishedSessionsAreStoredAndServedToTheirTenantOnly() {
        String callSid = newCallSid();
        timeToFirstAudio(callSid, null, true);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> web.get()
                .uri("/api/v1/voice-sessions?agent_key=support&status=resolved&limit=50")
                .header("x-api-key", API_KEY).exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.sessions[?(@.call_sid == '" + callSid + "')].status").isEqualTo("resolved"));
        web.get().uri("/api/v1/voice-sessions/" + callSid).header("x-api-key", API_KEY).exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.call_sid").isEqualTo(callSid)
                .jsonPath("$.agent_version_id").isEqualTo("agv-f-1")
                .jsonPath("$.transcript[0].role").isEqualTo("agent")
                .jsonPath("$.transcript[0].text").isEqualTo("Welcome to Demo Bank.")
                .jsonPath("$.transcript[1].text").isEqualTo("I want to know my balance.")
                .jsonPath("$.summary").isNotEmpty()
                .jsonPath("$.function_calls").isArray();
        String id = web.get().uri("/api/v1/voice-sessions/" + callSid).header("x-api-key", API_KEY).exchange()
                .expectBody(Map.class).returnResult().getResponseBody().get("id").toString();
        web.get().uri("/api/v1/voice-sessions/" + id).header("x-api-key", API_KEY).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.call_sid").isEqualTo(callSid);

        web.get().uri("/api/v1/voice-sessions/" + id).header("x-api-key", OTHER_KEY).exchange()
                .expectStatus().isNotFound();
        web.get().uri("/api/v1/voice-sessions").header("x-api-key", OTHER_KEY).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.total").isEqualTo(0);
        web.get().uri("/api/v1/voice-sessions").exchange().expectStatus().isUnauthorized();
    }

    @Test
    void theSessionListFiltersByStatusAndAgentAndPagesNewestFirst() {
        // agents of their own, so sessions of the other tests (same tenant) stay out of the pages
        String agent = "filters-" + UUID.randomUUID();
        String other = "filters-other-" + UUID.randomUUID();
        Instant t0 = Instant.parse("2026-11-01T10:00:00Z");
        List<VoiceSessionRecord> stored = List.of(
                stored("older", agent, "resolved", t0),
                stored("transferred", agent, "transferred", t0.plusSeconds(60)),
                stored("other-agent", other, "resolved", t0.plusSeconds(120)),
                stored("newer", agent, "resolved", t0.plusSeconds(180)),
                stored("other-tenant", agent, "resolved", t0.plusSeconds(240)));
        for (VoiceSessionRecord record : stored) {
            sessions.upsert(record).block(Duration.ofSeconds(10));
        }

        assertThat(callSids("agent_key=" + agent + "&status=resolved")).containsExactly("newer", "older");
        assertThat(callSids("agent_key=" + agent)).containsExactly("newer", "transferred", "older");
        assertThat(callSids("agent_key=" + agent + "&status=transferred")).containsExactly("transferred");
        assertThat(callSids("agent_key=" + other)).containsExactly("other-agent");
        assertThat(callSids("agent_key=" + agent + "&limit=2&offset=0")).containsExactly("newer", "transferred");
        assertThat(callSids("agent_key=" + agent + "&limit=2&offset=2")).containsExactly("older");
        assertThat(callSids("agent_key=" + agent + "&limit=2&offset=4")).isEmpty();
        web.get().uri("/api/v1/voice-sessions?agent_key=" + agent + "&limit=2").header("x-api-key", API_KEY)
                .exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.count").isEqualTo(2).jsonPath("$.total").isEqualTo(3);
        // a status no record can have is a mistake, not an empty page
        web.get().uri("/api/v1/voice-sessions?agent_key=" + agent + "&status=bogus").header("x-api-key", API_KEY)
                .exchange().expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("status")
                .jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("active", "resolved"));
        assertThat(callSids("agent_key=" + agent + "&status=no_answer")).isEmpty();
    }

    private VoiceSessionRecord stored(String name, String agentKey, String status, Instant startedAt) {
        String tenant = name.equals("other-tenant") ? "other-tenant" : TENANT;
        return new VoiceSessionRecord(UUID.randomUUID().toString(), name, tenant, agentKey, "agv-1", "inbound",
                "+15555550100", "MZ" + name, status, null, startedAt, startedAt.plusSeconds(30), 30_000L, null, Map.of(),
                List.of(), List.of(), "stored for the filter test", List.of(), "bridge-test");
    }

    /** The call SIDs of one page of the tenant's sessions with these query parameters, in the order listed. */
    private List<String> callSids(String query) {
        Map<?, ?> page = web.get().uri("/api/v1/voice-sessions?" + query).header("x-api-key", API_KEY).exchange()
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        return ((List<?>) page.get("sessions")).stream().map(s -> (String) ((Map<?, ?>) s).get("call_sid")).toList();
    }

    @Test
    void mediaPathSpansJoinTheTraceOfTheIncomingRequest() {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String callSid = newCallSid();
        timeToFirstAudio(callSid, "00-" + traceId + "-00f067aa0ba902b7-01", false);

        await().atMost(Duration.ofSeconds(10)).until(() -> spansOf(callSid).stream()
                .anyMatch(c -> c.getName().equals("voice.bridge.session")));
        List<Observation.Context> spans = spansOf(callSid);
        assertThat(spans).extracting(Observation.Context::getName)
                .contains("voice.bridge.session", "voice.bridge.first_audio", "voice.bridge.model.open");
        for (Observation.Context span : spans) {
            TracingObservationHandler.TracingContext tracing = span.get(TracingObservationHandler.TracingContext.class);
            assertThat(tracing).as("tracing is on for " + span.getName()).isNotNull();
            assertThat(tracing.getSpan().context().traceId()).as(span.getName()).isEqualTo(traceId);
        }
    }

    private static List<Observation.Context> spansOf(String callSid) {
        return SPANS.stream().filter(c -> c.getHighCardinalityKeyValue("call.sid") != null
                && callSid.equals(c.getHighCardinalityKeyValue("call.sid").getValue())).toList();
    }
}
