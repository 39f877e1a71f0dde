package dev.voiceagent.tools.support;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.reactive.function.server.MockServerRequest;
import org.springframework.web.ErrorResponseException;
import reactor.test.StepVerifier;

class AdminKeyGuardTest {

    @Test
    void adminRoutesDoNotExistWithoutAnAdminKey() {
        StepVerifier.create(new AdminKeyGuard("").check(MockServerRequest.builder().header("x-admin-key", "x").build()))
                .expectErrorSatisfies(e -> org.assertj.core.api.Assertions.assertThat(status(e)).isEqualTo(404))
                .verify();
    }

    @Test
    void missingKeyIs401AndWrongKeyIs403() {
        AdminKeyGuard guard = new AdminKeyGuard("secret");
        StepVerifier.create(guard.check(MockServerRequest.builder().build()))
                .expectErrorSatisfies(e -> org.assertj.core.api.Assertions.assertThat(status(e)).isEqualTo(401))
                .verify();
        StepVerifier.create(guard.check(MockServerRequest.builder().header("x-admin-key", "nope").build()))
                .expectErrorSatisfies(e -> org.assertj.core.api.Assertions.assertThat(status(e)).isEqualTo(403))
                .verify();
        StepVerifier.create(guard.check(MockServerRequest.builder().header("x-admin-key", "secret").build()))
                .verifyComplete();
    }

    private static int status(Throwable e) {
        return ((ErrorResponseException) e).getStatusCode().value();
    }

}
