package dev.voiceagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import dev.voiceagent.testkit.realtime.RealtimeSimulator;
import dev.voiceagent.testkit.scenario.Scenario;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;

/**
 * An instance at its capacity ({@code max-sessions}, one here) refuses the next media stream with 1013 before any
 * model session is opened, answers prewarms with 503 and reports itself not ready, so that a load balancer sends new
 * calls elsewhere; the live call goes on, and once it ends the instance is ready and takes calls again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.bridge.instance-id=bridge-capacity-it",
        "voice.bridge.max-sessions=1",
        "voice.realtime.api-key=sim-key"})
@AutoConfigureWebTestClient
@VoiceInfrastructure
class BridgeCapacityIT {

    private static final String TENANT = "capacity-tenant";
    private static final RealtimeSimulator SIMULATOR = RealtimeSimulator.start(0,
            Scenario.builder("capacity-it").greeting("Welcome to Demo Bank.").build()).requireApiKey("sim-key");

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
    WebTestClient web;
    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    /** While set, every event the bridge publishes fails, as through a broker outage. */
    static final AtomicBoolean BROKER_AWAY = new AtomicBoolean();

    @TestConfiguration
    static class Broker {
        @Bean
        EventPublisher switchablePublisher(KafkaTemplate<String, String> template,
                                           @Value("${spring.application.name}") String source) {
            return new EventPublisher(template, source) {
                @Override
                public Mono<Void> publish(EventEnvelope<?> envelope) {
                    return BROKER_AWAY.get() ? Mono.error(new TimeoutException("broker away")) : super.publish(envelope);
                }
            };
        }
    }

    @BeforeEach
    void tenant() {
        var runtime = new TenantConfigPublished.RuntimeConfig("gpt-realtime", "alloy", "support_default", 1,
                "You are Demo Bank's phone agent.", null, "en-US", "Welcome to Demo Bank.");
        tenants.apply(new TenantConfigPublished(TENANT, "Capacity", true, List.of("+15550004444"), "UTC", runtime,
                List.of(), List.of(new AgentView("support", "agv-c-1", List.of("lookup"), null)), 1));
    }

    @Test
    void anInstanceAtCapacityRefusesTheNextCallWith1013AndIsNotReadyUntilALiveCallEnds() {
        awaitReady();
        double refusedBefore = refusals();
        String live = newSid();
        try (GatewaySide first = GatewaySide.connect(port, headers(live))) {
            first.send(GatewaySide.start(live, "MZcap1"));
            await().atMost(GatewaySide.timeout()).until(() -> !first.events("media").isEmpty());
            int modelSessions = SIMULATOR.sessions().size();

            web.get().uri("/health/ready").exchange().expectStatus().isEqualTo(503)
                    .expectBody().jsonPath("$.components.capacity.status").isEqualTo("OUT_OF_SERVICE")
                    .jsonPath("$.components.capacity.details.live_sessions").isEqualTo(1)
                    .jsonPath("$.components.capacity.details.max_sessions").isEqualTo(1);
            web.get().uri("/health/live").exchange().expectStatus().isOk();

            String refused = newSid();
            try (GatewaySide second = GatewaySide.connect(port, headers(refused))) {
                second.send(GatewaySide.start(refused, "MZcap2"));
                await().atMost(GatewaySide.timeout()).until(() -> second.closeStatus.get() != null);
                assertThat(second.closeStatus.get().code()).isEqualTo(1013);
                assertThat(second.closeStatus.get().reasonText()).isEqualTo("media bridge at capacity");
            }
            web.post().uri("/internal/v1/sessions/prewarm").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("call_sid", newSid(), "tenant_id", TENANT, "agent_key", "support"))
                    .exchange().expectStatus().isEqualTo(503)
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
            assertThat(SIMULATOR.sessions()).as("no model session for a refused call").hasSize(modelSessions);
            assertThat(first.closeStatus.get()).as("the live call goes on").isNull();
            assertThat(refusals() - refusedBefore).isEqualTo(1);

            first.send(GatewaySide.stop(live, "MZcap1"));
            await().atMost(GatewaySide.timeout()).until(() -> first.closeStatus.get() != null);
        }

        awaitReady();
        String next = newSid();
        try (GatewaySide third = GatewaySide.connect(port, headers(next))) {
            third.send(GatewaySide.start(next, "MZcap3"));
            await().atMost(GatewaySide.timeout()).until(() -> !third.events("media").isEmpty());
            assertThat(third.closeStatus.get()).isNull();
        }
    }

    @Test
    void aCallThatEndsWhileTheBrokerIsAwayFreesItsSlotAtOnce() {
        awaitReady();
        String ended = newSid();
        try (GatewaySide call = GatewaySide.connect(port, headers(ended))) {
            call.send(GatewaySide.start(ended, "MZcap4"));
            await().atMost(GatewaySide.timeout()).until(() -> !call.events("media").isEmpty());
            BROKER_AWAY.set(true);
            call.send(GatewaySide.stop(ended, "MZcap4"));
            await().atMost(GatewaySide.timeout()).until(() -> call.closeStatus.get() != null);
        }
        try {
            // its ended and outcome events keep retrying (up to two minutes each); its slot is free meanwhile
            awaitReady();
            String next = newSid();
            try (GatewaySide call = GatewaySide.connect(port, headers(next))) {
                call.send(GatewaySide.start(next, "MZcap5"));
                await().atMost(GatewaySide.timeout()).until(() -> !call.events("media").isEmpty());
                assertThat(call.closeStatus.get()).isNull();
            }
        } finally {
            BROKER_AWAY.set(false);
        }
    }

    /** Ready: no call left over holds the instance's one session. */
    private void awaitReady() {
        await().atMost(GatewaySide.timeout()).untilAsserted(() -> web.get().uri("/health/ready").exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.components.capacity.status").isEqualTo("UP"));
    }

    /** {@code voice_bridge_sessions_refused_total{reason="capacity"}}. */
    private double refusals() {
        var counter = meters.find("voice.bridge.sessions.refused").tag("reason", "capacity").counter();
        return counter == null ? 0 : counter.count();
    }

    private static String newSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }

    private static Map<String, String> headers(String callSid) {
        return Map.of("X-Voice-Call-Sid", callSid, "X-Voice-Tenant-Id", TENANT, "X-Voice-Agent-Key", "support",
                "X-Voice-Agent-Version-Id", "agv-c-1", "X-Voice-Caller", "+15555550100",
                "X-Voice-Direction", "inbound");
    }
}
