package dev.voiceagent.bridge.prewarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.bridge.realtime.RealtimeClient;
import dev.voiceagent.bridge.realtime.RealtimeProperties;
import dev.voiceagent.bridge.session.SessionRegistry;
import dev.voiceagent.bridge.support.BridgeMetrics;
import dev.voiceagent.bridge.support.BridgeProperties;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.contracts.TenantConfigPublished.AgentView;
import dev.voiceagent.support.tenant.TenantDirectory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.mock.web.reactive.function.server.MockServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

class PrewarmHandlerTest {

    private static final RealtimeProperties REALTIME = new RealtimeProperties(URI.create("ws://localhost/v1/realtime"),
            "key", "gpt-realtime", "alloy", "gpt-4o-mini-transcribe", Duration.ofSeconds(10), Duration.ofSeconds(2),
            1 << 20);

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final TenantDirectory tenants = new TenantDirectory();
    /** Model sockets opened, and how many of them have been closed since. */
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    /** Set while the stream of the call "starts": the moment the prewarm opens its model socket. */
    private final AtomicBoolean streamStarted = new AtomicBoolean();
    private final AtomicBoolean startDuringOpen = new AtomicBoolean();
    private PrewarmRegistry registry;

    @AfterEach
    void dispose() {
        registry.dispose();
    }

    private PrewarmHandler handler() {
        var runtime = new TenantConfigPublished.RuntimeConfig("gpt-realtime", "alloy", "support_default", 1,
                "Agent.", null, "en-US", null);
        tenants.apply(new TenantConfigPublished("demo", "Demo", true, List.of("+15550009999"), "UTC", runtime,
                List.of(), List.of(new AgentView("support", "agv-1", List.of(), null)), 1));
        RealtimeClient client = (model, outbound) -> Flux.<dev.voiceagent.bridge.realtime.RealtimeServerEvent>never()
                .doOnSubscribe(s -> {
                    opened.incrementAndGet();
                    if (startDuringOpen.get()) {
                        streamStarted.set(true);
                    }
                })
                .doOnCancel(closed::incrementAndGet);
        BridgeProperties bridge = new BridgeProperties("bridge-test", Duration.ofSeconds(8), Duration.ofMillis(1500),
                Duration.ofSeconds(10), 250, 500, "FILLER", "APOLOGY", "GREET: ");
        registry = new PrewarmRegistry(client, bridge, new BridgeMetrics(meters, () -> 0), Schedulers.parallel(),
                "gpt-realtime");
        // a registry whose session for the call has had its start exactly when streamStarted says so
        SessionRegistry sessions = new SessionRegistry() {
            @Override
            public boolean started(String callSid) {
                return streamStarted.get();
            }
        };
        return new PrewarmHandler(tenants, sessions, registry, REALTIME, Duration.ofSeconds(30));
    }

    private ServerResponse prewarm(PrewarmHandler handler, String callSid) {
        var body = new PrewarmHandler.PrewarmRequest(callSid, "demo", "support", "agv-1", "+15555550100", "inbound");
        return handler.prewarm(MockServerRequest.builder().body(Mono.just(body))).block(Duration.ofSeconds(5));
    }

    private double prewarms(String result) {
        var counter = meters.find("voice.bridge.prewarm").tag("result", result).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aPrewarmWaitsForItsStream() {
        PrewarmHandler handler = handler();
        assertThat(prewarm(handler, "CA1").statusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(registry.pending()).isEqualTo(1);
        assertThat(opened).hasValue(1);
        assertThat(closed).hasValue(0);
    }

    @Test
    void aStreamThatStartedWhileThePrewarmWasSetUpClosesThePrewarmedSession() {
        PrewarmHandler handler = handler();
        // the stream's start lands between the handler's first look and the prewarmed session being registered:
        // the session found nothing to take and opened its own, so the prewarmed one would only wait and expire
        startDuringOpen.set(true);
        assertThat(prewarm(handler, "CA2").statusCode()).isEqualTo(HttpStatus.OK);
        assertThat(registry.pending()).as("nothing left waiting for a stream that has its own").isZero();
        assertThat(opened).hasValue(1);
        assertThat(closed).as("the prewarmed model socket is closed at once").hasValue(1);
        assertThat(prewarms("superseded")).isEqualTo(1);
        assertThat(prewarms("expired")).isZero();
    }
}
