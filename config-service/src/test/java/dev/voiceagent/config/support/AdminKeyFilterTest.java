package dev.voiceagent.config.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class AdminKeyFilterTest {

    final AtomicBoolean reached = new AtomicBoolean();
    final WebFilterChain chain = exchange -> Mono.fromRunnable(() -> reached.set(true));

    @Test
    void hidesTheAdminApiWhenNoKeyIsConfigured() {
        expectStatus(new AdminKeyFilter(new AdminProperties(null)), "secret", 404);
    }

    @Test
    void missingKeyIsUnauthorizedAndWrongKeyIsForbidden() {
        AdminKeyFilter filter = new AdminKeyFilter(new AdminProperties("secret"));
        expectStatus(filter, null, 401);
        expectStatus(filter, "secreT", 403);
    }

    @Test
    void rightKeyPassesAndOtherRoutesAreUntouched() {
        AdminKeyFilter filter = new AdminKeyFilter(new AdminProperties("secret"));
        StepVerifier.create(filter.filter(exchange("/api/v1/admin/tenants/x", "secret"), chain)).verifyComplete();
        assertThat(reached).isTrue();
        reached.set(false);
        StepVerifier.create(new AdminKeyFilter(new AdminProperties(null)).filter(exchange("/health/ready", null), chain))
                .verifyComplete();
        assertThat(reached).isTrue();
    }

    private void expectStatus(AdminKeyFilter filter, String key, int status) {
        StepVerifier.create(filter.filter(exchange("/api/v1/admin/tenants/x", key), chain))
                .expectErrorSatisfies(e -> assertThat(((ErrorResponseException) e).getStatusCode().value()).isEqualTo(status))
                .verify();
        assertThat(reached).isFalse();
    }

    private static MockServerWebExchange exchange(String path, String key) {
        var request = MockServerHttpRequest.get(path);
        if (key != null) {
            request.header("x-admin-key", key);
        }
        return MockServerWebExchange.from(request);
    }
}
