package dev.voiceagent.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.testkit.service.ServiceHealthChecks;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Health, readiness, metrics and error-format checks of the gateway-service. */
class ServiceHealthIT extends ServiceHealthChecks {

    @Test
    void reportsItsSideJobQueues() {
        String metrics = web.mutate().responseTimeout(Duration.ofSeconds(30))
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(32 * 1024 * 1024)).build()
                .get().uri("/metrics").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        for (String queue : new String[] {"session-pre-warm", "log-line-publisher"}) {
            assertThat(metrics.lines())
                    .anyMatch(line -> line.startsWith("voice_gateway_background_jobs_waiting{")
                            && line.contains("queue=\"" + queue + "\""))
                    .anyMatch(line -> line.startsWith("voice_gateway_background_jobs_dropped_total{")
                            && line.contains("queue=\"" + queue + "\""));
        }
    }
}
