package dev.voiceagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.voiceagent.bridge.records.VoiceSessionRepository;
import dev.voiceagent.bridge.records.VoiceSessionStore;
import dev.voiceagent.bridge.session.VoiceSessionRecord;
import dev.voiceagent.bridge.support.BridgeMetrics;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.support.tenant.ApiKeys;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import dev.voiceagent.testkit.realtime.RealtimeSimulator;
import dev.voiceagent.testkit.scenario.Scenario;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Session records against the real database: what a stop finds queued, or a shutdown ends, is still stored. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.bridge.instance-id=records-it",
        "voice.realtime.api-key=sim-key",
        "voice.bridge.idle.prompt-after=0s"})
@VoiceInfrastructure
class VoiceSessionRecordsIT {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String TENANT = "records-tenant";
    private static final RealtimeSimulator SIMULATOR =
            RealtimeSimulator.start(0, Scenario.builder("records").greeting("Hello.").build()).requireApiKey("sim-key");

    @DynamicPropertySource
    static void realtime(DynamicPropertyRegistry registry) {
        registry.add("voice.realtime.url", SIMULATOR::url);
    }

    @AfterAll
    static void stopSimulator() {
        SIMULATOR.close();
    }

    @Autowired
    VoiceSessionRepository sessions;
    @Autowired
    ConnectionFactory connections;
    @Autowired
    ConfigurableEnvironment environment;

    @Test
    void recordsQueuedBehindAStalledDatabaseAtStopAreInTheTableAfterwards() throws InterruptedException {
        String agent = "queued-" + UUID.randomUUID();
        VoiceSessionStore store = new VoiceSessionStore(sessions, new BridgeMetrics(new SimpleMeterRegistry(), () -> 0),
                100, Duration.ofSeconds(5));
        Connection lock = lockTheTable();
        CountDownLatch stopped = new CountDownLatch(1);
        try {
            store.start();
            for (int i = 0; i < 20; i++) {
                store.offer(record("CA-queued-" + i, agent, VoiceSessionRecord.ACTIVE));
            }
            // the first write waits for the lock, the other 19 in the queue, when the stop comes
            store.stop(stopped::countDown);
            stopped.await(500, TimeUnit.MILLISECONDS);
        } finally {
            release(lock).block(WAIT);
        }

        assertThat(stopped.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(sessions.count(TENANT, null, agent).block(WAIT)).isEqualTo(20);
    }

    @Test
    void theFinalRecordOfACallTheShutdownEndsIsStored() {
        String callSid = "CA" + UUID.randomUUID().toString().replace("-", "");
        ConfigurableApplicationContext instance = startInstance();
        int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
        try (GatewaySide stream = GatewaySide.connect(port, Map.of("X-Voice-Call-Sid", callSid,
                "X-Voice-Tenant-Id", TENANT, "X-Voice-Agent-Key", "support", "X-Voice-Caller", "+15555550100",
                "X-Voice-Direction", "inbound"))) {
            stream.send("{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}");
            stream.send(GatewaySide.start(callSid, "MZ" + callSid));
            await().atMost(WAIT).until(() -> status(callSid), VoiceSessionRecord.ACTIVE::equals);

            // the call is still up: the web server's stop ends it, and its final record waits for the database
            // while the store stops
            Connection lock = lockTheTable();
            Mono<Void> released = Mono.delay(Duration.ofMillis(1500)).then(release(lock)).cache();
            released.subscribe();
            instance.close();
            released.block(WAIT);
        }

        assertThat(status(callSid)).as("the outcome, not the start's 'active'").isNotNull()
                .isNotEqualTo(VoiceSessionRecord.ACTIVE);
    }

    /** A bridge instance of its own on the same database, so that the test can shut it down. */
    private ConfigurableApplicationContext startInstance() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("server.port", "0");
        properties.put("voice.bridge.instance-id", "records-it-shutdown");
        properties.put("voice.realtime.api-key", "sim-key");
        properties.put("voice.realtime.url", SIMULATOR.url());
        properties.put("voice.bridge.idle.prompt-after", "0s");
        // the graceful phase would wait for the call's socket until its timeout; then the web server's stop ends
        // the call, as it does here at once
        properties.put("server.shutdown", "immediate");
        var infrastructure = environment.getPropertySources().get("voiceInfrastructure");
        ConfigurableApplicationContext instance = new SpringApplicationBuilder(MediaBridgeApplication.class)
                .initializers(app -> {
                    app.getEnvironment().getPropertySources().addFirst(infrastructure);
                    app.getEnvironment().getPropertySources().addFirst(new MapPropertySource("instance", properties));
                })
                .run();
        instance.getBean(TenantDirectory.class).apply(tenant());
        return instance;
    }

    /**
     * Holds an exclusive lock on the table from a connection of its own, so that every write waits as it would
     * on a stalled database; committing the connection's transaction releases it.
     */
    private Connection lockTheTable() {
        Connection connection = Mono.from(connections.create()).block(WAIT);
        Mono.from(connection.beginTransaction())
                .thenMany(Flux.from(connection.createStatement("LOCK TABLE voice_sessions IN EXCLUSIVE MODE").execute()))
                .flatMap(Result::getRowsUpdated)
                .then()
                .block(WAIT);
        return connection;
    }

    private static Mono<Void> release(Connection lock) {
        return Mono.from(lock.commitTransaction()).then(Mono.from(lock.close()));
    }

    private String status(String callSid) {
        VoiceSessionRecord stored = sessions.find(TENANT, callSid).block(WAIT);
        return stored == null ? null : stored.status();
    }

    private static VoiceSessionRecord record(String callSid, String agent, String status) {
        return new VoiceSessionRecord(UUID.randomUUID().toString(), callSid, TENANT, agent, "agv-1", "inbound",
                "+15555550100", "MZ" + callSid, status, null, Instant.now(), null, null, null, Map.of(), List.of(),
                List.of(), null, List.of(), "records-it");
    }

    private static TenantConfigPublished tenant() {
        var runtime = new TenantConfigPublished.RuntimeConfig("gpt-realtime", "alloy", "support_default", 1,
                "You are a phone agent.", null, "en-US", null);
        return new TenantConfigPublished(TENANT, TENANT, true, List.of(), "UTC", runtime,
                List.of(ApiKeys.hash("records-key")), List.of(new AgentView("support", "agv-rec-1", List.of(), null)),
                1);
    }
}
