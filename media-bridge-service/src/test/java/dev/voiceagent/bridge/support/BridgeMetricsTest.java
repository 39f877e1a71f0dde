package dev.voiceagent.bridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BridgeMetricsTest {

    @Test
    void theActiveSessionsGaugeOutlivesAGarbageCollection() throws InterruptedException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicInteger sessions = new AtomicInteger(7);
        // as the configuration does: a method reference that nothing else holds
        new BridgeMetrics(registry, sessions::get);
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(registry.get("voice.bridge.sessions.active").gauge().value()).isEqualTo(7.0);
        sessions.set(3);
        assertThat(registry.get("voice.bridge.sessions.active").gauge().value()).isEqualTo(3.0);
    }
}
