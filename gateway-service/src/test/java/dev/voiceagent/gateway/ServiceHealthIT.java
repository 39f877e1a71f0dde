package dev.voiceagent.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.testkit.service.ServiceHealthChecks;
import org.junit.jupiter.api.Test;

/** Health, readiness, metrics and error-format checks of the gateway-service. */
class ServiceHealthIT extends ServiceHealthChecks {

    @Test
    void reportsItsSideJobQueues() {
        String metrics = metrics();
        for (String queue : new String[] {"session-pre-warm", "log-line-publisher"}) {
            assertThat(metrics.lines())
                    .anyMatch(line -> line.startsWith("voice_gateway_background_jobs_waiting{")
                            && line.contains("queue=\"" + queue + "\""))
                    .anyMatch(line -> line.startsWith("voice_gateway_background_jobs_dropped_total{")
                            && line.contains("queue=\"" + queue + "\""));
        }
    }
}
