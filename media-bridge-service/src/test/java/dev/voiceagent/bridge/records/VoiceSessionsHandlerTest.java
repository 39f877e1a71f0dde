package dev.voiceagent.bridge.records;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.support.tenant.TenantAuthenticator;
import dev.voiceagent.support.tenant.TenantDirectory;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.mock.web.reactive.function.server.MockServerRequest;
import org.springframework.web.ErrorResponseException;
import reactor.test.StepVerifier;

class VoiceSessionsHandlerTest {

    private final VoiceSessionsHandler handler =
            new VoiceSessionsHandler(new TenantAuthenticator(new TenantDirectory()), new VoiceSessionRepository(null));

    @Test
    void rejectsALimitOutOfRangeBeforeTouchingTheDatabase() {
        StepVerifier.create(handler.list(MockServerRequest.builder().queryParam("limit", "0").build()))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(ErrorResponseException.class);
                    assertThat(((ErrorResponseException) e).getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(((ErrorResponseException) e).getBody().getDetail()).contains("limit");
                })
                .verify();
    }

    @Test
    void rejectsAnOffsetThatIsNotANumber() {
        StepVerifier.create(handler.list(MockServerRequest.builder().queryParam("offset", "x").build()))
                .expectErrorSatisfies(e -> assertThat(((ErrorResponseException) e).getStatusCode())
                        .isEqualTo(HttpStatus.BAD_REQUEST))
                .verify();
    }

    @Test
    void rejectsAnUnknownStatusNamingTheAllowedOnes() {
        StepVerifier.create(handler.list(MockServerRequest.builder().queryParam("status", "bogus").build()))
                .expectErrorSatisfies(e -> {
                    ErrorResponseException problem = (ErrorResponseException) e;
                    assertThat(problem.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(problem.getBody().getDetail()).startsWith("status: unknown status 'bogus'")
                            .contains("active", "resolved", "transferred", "callback_created", "no_answer",
                                    "failed_authentication", "abandoned", "failed");
                    assertThat(problem.getBody().getProperties()).containsKey("errors");
                })
                .verify();
    }
}
