package dev.voiceagent.testkit.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The operational contract every service keeps: readiness and liveness groups, Prometheus metrics tagged with
 * the service name, and problem+json for unknown routes. A service's test extends this class; the service's
 * own application is found from the subclass's package, with a real broker and database.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@VoiceInfrastructure
public abstract class ServiceHealthChecks {

    @Autowired
    protected WebTestClient web;

    @Value("${spring.application.name}")
    protected String serviceName;

    @Test
    void reportsReadinessLivenessAndMetrics() {
        web.get().uri("/health/ready").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("UP");
        web.get().uri("/health/live").exchange().expectStatus().isOk();
        assertThat(metrics()).contains("application=\"" + serviceName + "\"");
    }

    /** The service's Prometheus page ({@code /metrics}), which must answer 200. */
    protected String metrics() {
        // a Prometheus page with latency histograms runs to megabytes and takes a while on a busy 2-core machine
        WebTestClient scraper = web.mutate().responseTimeout(java.time.Duration.ofSeconds(30))
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(32 * 1024 * 1024)).build();
        // a scrape that times out leaves a thread dump in target/ (ResponseTimeoutDiagnostics)
        return scraper.get().uri("/metrics").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
    }

    @Test
    void unknownRouteIsProblemJson() {
        web.get().uri("/no-such-route").exchange().expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }
}
