package dev.voiceagent.bridge.bench;

import dev.voiceagent.bridge.session.SessionRegistry;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.support.tenant.ApiKeys;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.testkit.bench.MediaLoad;
import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Load harness for the media path straight into the bridge (run: {@code mvn -o -pl media-bridge-service test
 * -Dtest=MediaRelayBenchmark -Dbench=true}; {@code -Dbench.calls=1000 -Dbench.seconds=60
 * -Dbench.ramp-per-second=100 -Dbench.max-sessions=N}): {@link MediaLoad}'s callers connect to the bridge's internal stream endpoint as the
 * gateway would, and its echo model answers every frame. {@code GatewayMediaRelayBenchmark} (local-stack) runs the
 * same load through the gateway.
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "voice.bridge.instance-id=bench",
        "voice.bridge.idle.prompt-after=0s",
        "voice.bridge.start-timeout=60s",
        "logging.level.dev.voiceagent=WARN",
        "logging.level.org.apache.kafka=WARN"})
@VoiceInfrastructure
// a benchmark runs for as long as it is asked to; the suite-wide test timeout is for tests
@Timeout(value = 3, unit = TimeUnit.HOURS)
class MediaRelayBenchmark {

    private static final int CALLS = Integer.getInteger("bench.calls", 1000);
    private static final int SECONDS = Integer.getInteger("bench.seconds", 60);
    private static final int RAMP_PER_SECOND = Integer.getInteger("bench.ramp-per-second", 100);
    private static final String TENANT = "bench-tenant";
    private static final MediaLoad LOAD = new MediaLoad();

    @DynamicPropertySource
    static void realtime(DynamicPropertyRegistry registry) {
        registry.add("voice.realtime.url", LOAD::modelUrl);
        // every call the run opens is carried (the default capacity, 500, would refuse half of a 1,000-call run);
        // -Dbench.max-sessions=N measures a capacity instead
        registry.add("voice.bridge.max-sessions", () -> System.getProperty("bench.max-sessions", "0"));
    }

    @AfterAll
    static void stopEcho() {
        LOAD.close();
    }

    @LocalServerPort
    int port;
    @Autowired
    TenantDirectory tenants;
    @Autowired
    MeterRegistry meters;
    @Autowired
    SessionRegistry sessions;

    @Test
    void relaysAThousandConcurrentCallsWithinTheBudget() throws Exception {
        var runtime = new TenantConfigPublished.RuntimeConfig("gpt-realtime", "alloy", "support_default", 1,
                "Bench agent.", null, "en-US", null);
        tenants.apply(new TenantConfigPublished(TENANT, "Bench", true, List.of("+15550009999"), "UTC", runtime,
                List.of(ApiKeys.hash("bench-key")), List.of(new AgentView("support", "agv-bench", List.of(), null)), 1));
        URI url = URI.create("ws://localhost:" + port + "/internal/v1/media-stream");
        String report = LOAD.run("MediaRelayBenchmark (straight to the bridge)", CALLS, SECONDS, RAMP_PER_SECOND,
                (index, callSid) -> new MediaLoad.Stream(url, Map.of("X-Voice-Call-Sid", callSid,
                        "X-Voice-Tenant-Id", TENANT, "X-Voice-Agent-Key", "support", "X-Voice-Caller", "+15555550100"),
                        Map.of()),
                new MediaLoad.Probes(sessions::size, () -> count(meters.find("voice.bridge.frames.dropped")),
                        () -> count(meters.find("voice.bridge.frames.relayed").tag("direction", "twilio_to_model"))));
        System.out.println(report);
    }

    private static double count(io.micrometer.core.instrument.search.Search search) {
        var counter = search.counter();
        return counter == null ? 0 : counter.count();
    }
}
