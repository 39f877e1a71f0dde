package dev.voiceagent.bridge;

import static org.awaitility.Awaitility.await;

import dev.voiceagent.bridge.session.LiveSessionsPublisher;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.support.tenant.ApiKeys;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import dev.voiceagent.testkit.realtime.RealtimeSimulator;
import dev.voiceagent.testkit.scenario.Scenario;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * {@code GET /api/v1/active-sessions} across instances: two bridge application contexts on one broker and one
 * database, calls live on both, either instance answering for all of them, to the calls' tenant only.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.bridge.instance-id=bridge-a",
        "voice.realtime.api-key=sim-key",
        "voice.bridge.idle.prompt-after=0s",
        "voice.bridge.live-sessions.publish-interval=300ms",
        "voice.bridge.live-sessions.expire-after=3s"})
@VoiceInfrastructure
class ActiveSessionsAcrossInstancesIT {

    private static final String TENANT = "live-tenant";
    private static final String API_KEY = "live-key";
    private static final String OTHER_TENANT = "other-tenant";
    private static final String OTHER_KEY = "other-key";
    private static final RealtimeSimulator SIMULATOR =
            RealtimeSimulator.start(0, Scenario.builder("live").greeting("Hello.").build()).requireApiKey("sim-key");

    @DynamicPropertySource
    static void realtime(DynamicPropertyRegistry registry) {
        registry.add("voice.realtime.url", SIMULATOR::url);
    }

    @AfterAll
    static void stopSimulator() {
        SIMULATOR.close();
    }

    @LocalServerPort
    int port;
    @Autowired
    TenantDirectory tenants;
    @Autowired
    ConfigurableEnvironment environment;

    private ConfigurableApplicationContext instanceB;
    private int portB;
    private final List<GatewaySide> streams = new ArrayList<>();

    @BeforeEach
    void startSecondInstance() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("server.port", "0");
        properties.put("voice.bridge.instance-id", "bridge-b");
        properties.put("voice.realtime.api-key", "sim-key");
        properties.put("voice.realtime.url", SIMULATOR.url());
        properties.put("voice.bridge.idle.prompt-after", "0s");
        properties.put("voice.bridge.live-sessions.publish-interval", "300ms");
        properties.put("voice.bridge.live-sessions.expire-after", "3s");
        // the same broker and database as instance A
        var infrastructure = environment.getPropertySources().get("voiceInfrastructure");
        instanceB = new SpringApplicationBuilder(MediaBridgeApplication.class)
                .initializers(app -> {
                    app.getEnvironment().getPropertySources().addFirst(infrastructure);
                    app.getEnvironment().getPropertySources().addFirst(new MapPropertySource("instanceB", properties));
                })
                .run();
        portB = ((WebServerApplicationContext) instanceB).getWebServer().getPort();
        for (TenantDirectory directory : List.of(tenants, instanceB.getBean(TenantDirectory.class))) {
            directory.apply(tenant(TENANT, API_KEY));
            directory.apply(tenant(OTHER_TENANT, OTHER_KEY));
        }
    }

    @AfterEach
    void stop() {
        streams.forEach(GatewaySide::close);
        if (instanceB != null) {
            instanceB.close();
        }
    }

    @Test
    void eitherInstanceListsTheLiveCallsOfBothToTheirTenantOnly() {
        String onA = callSid();
        String onB = callSid();
        String otherTenantsOnB = callSid();
        startCall(port, onA, TENANT);
        GatewaySide streamB = startCall(portB, onB, TENANT);
        startCall(portB, otherTenantsOnB, OTHER_TENANT);

        awaitActive(port, API_KEY, Map.of(onA, "bridge-a", onB, "bridge-b"));
        awaitActive(portB, API_KEY, Map.of(onA, "bridge-a", onB, "bridge-b"));
        awaitActive(port, OTHER_KEY, Map.of(otherTenantsOnB, "bridge-b"));

        streamB.send(GatewaySide.stop(onB, "MZ" + onB));
        awaitActive(port, API_KEY, Map.of(onA, "bridge-a"));
    }

    @Test
    void theCallsOfAnInstanceThatStoppedPublishingDropOutAfterTheExpiry() {
        String onA = callSid();
        String onB = callSid();
        startCall(port, onA, TENANT);
        startCall(portB, onB, TENANT);
        awaitActive(port, API_KEY, Map.of(onA, "bridge-a", onB, "bridge-b"));

        // instance B hangs or dies without a word: its rows stay behind, and its call must not be listed forever
        instanceB.getBean(LiveSessionsPublisher.class).stop();
        long stoppedAt = System.nanoTime();
        awaitActive(port, API_KEY, Map.of(onA, "bridge-a"));
        org.assertj.core.api.Assertions.assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt))
                .as("not before the 3 s expiry").isGreaterThan(Duration.ofMillis(2000));
    }

    /** Waits until the instance on {@code port} lists exactly these calls (call SID to instance). */
    private static void awaitActive(int port, String apiKey, Map<String, String> expected) {
        WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(10)).build();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Map<?, ?> body = client.get().uri("/api/v1/active-sessions").header("x-api-key", apiKey).exchange()
                    .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
            Map<String, String> listed = new LinkedHashMap<>();
            for (Object session : (List<?>) body.get("sessions")) {
                Map<?, ?> view = (Map<?, ?>) session;
                listed.put((String) view.get("call_sid"), (String) view.get("bridge_instance"));
                org.assertj.core.api.Assertions.assertThat(view.get("phase")).isEqualTo("active");
                // the call's agent state travels with it, whichever instance holds the call
                Map<?, ?> state = (Map<?, ?>) view.get("state");
                org.assertj.core.api.Assertions.assertThat(state.get("route")).isEqualTo("agent:support");
                org.assertj.core.api.Assertions.assertThat(state.get("caller_identity")).isEqualTo("unknown");
            }
            org.assertj.core.api.Assertions.assertThat(listed).isEqualTo(expected);
            org.assertj.core.api.Assertions.assertThat(body.get("partial")).isEqualTo(false);
        });
    }

    private GatewaySide startCall(int port, String callSid, String tenantId) {
        GatewaySide stream = GatewaySide.connect(port, Map.of("X-Voice-Call-Sid", callSid, "X-Voice-Tenant-Id", tenantId,
                "X-Voice-Agent-Key", "support", "X-Voice-Caller", "+15555550100", "X-Voice-Direction", "inbound"));
        streams.add(stream);
        stream.send("{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}");
        stream.send(GatewaySide.start(callSid, "MZ" + callSid));
        return stream;
    }

    private static String callSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }

    private static TenantConfigPublished tenant(String tenantId, String apiKey) {
        var runtime = new TenantConfigPublished.RuntimeConfig("gpt-realtime", "alloy", "support_default", 1,
                "You are a phone agent.", null, "en-US", null);
        return new TenantConfigPublished(tenantId, tenantId, true, List.of(), "UTC", runtime,
                List.of(ApiKeys.hash(apiKey)), List.of(new AgentView("support", "agv-live-1", List.of("callback"), null)),
                1);
    }
}
