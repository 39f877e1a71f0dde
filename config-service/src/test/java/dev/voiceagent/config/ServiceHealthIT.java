package dev.voiceagent.config;

import dev.voiceagent.testkit.service.ServiceHealthChecks;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

/** Health, readiness, metrics and error-format checks of the config-service, which runs here without an admin key. */
class ServiceHealthIT extends ServiceHealthChecks {

    @Test
    void adminRoutesDoNotExistWithoutAnAdminKey() {
        web.get().uri("/api/v1/admin/tenants/demo").header("x-admin-key", "anything").exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        web.put().uri("/api/v1/admin/tenants/demo").contentType(MediaType.APPLICATION_JSON).bodyValue("{}").exchange()
                .expectStatus().isNotFound();
    }
}
