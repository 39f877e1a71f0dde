package dev.voiceagent.config;

import dev.voiceagent.testkit.infra.VoiceInfrastructure;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@VoiceInfrastructure
class ServiceHealthIT {

    @Autowired
    WebTestClient web;

    @Test
    void reportsReadinessLivenessAndMetrics() {
        web.get().uri("/health/ready").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("UP");
        web.get().uri("/health/live").exchange().expectStatus().isOk();
        web.get().uri("/metrics").exchange().expectStatus().isOk()
                .expectBody(String.class).value(body -> org.assertj.core.api.Assertions.assertThat(body)
                        .contains("application=\"config-service\""));
    }

    @Test
    void unknownRouteIsProblemJson() {
        web.get().uri("/no-such-route").exchange().expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void adminRoutesDoNotExistWithoutAnAdminKey() {
        web.get().uri("/api/v1/admin/tenants/demo").header("x-admin-key", "anything").exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        web.put().uri("/api/v1/admin/tenants/demo").contentType(MediaType.APPLICATION_JSON).bodyValue("{}").exchange()
                .expectStatus().isNotFound();
    }
}
