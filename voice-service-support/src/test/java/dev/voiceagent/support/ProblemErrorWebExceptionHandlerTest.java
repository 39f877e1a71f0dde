package dev.voiceagent.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ResponseStatusException;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

class ProblemErrorWebExceptionHandlerTest {

    private final ProblemErrorWebExceptionHandler handler = new ProblemErrorWebExceptionHandler(new JsonMapper());

    @Test
    void rendersErrorResponsesAsProblemJsonWithTheirFields() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.put("/api/v1/x"));
        StepVerifier.create(handler.handle(exchange, Problems.invalidField("voice", "unknown voice 'robot'")))
                .verifyComplete();
        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(exchange.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        StepVerifier.create(exchange.getResponse().getBodyAsString())
                .assertNext(body -> assertThat(body).contains("\"status\":400", "\"field\":\"voice\"",
                        "\"instance\":\"/api/v1/x\""))
                .verifyComplete();
    }

    @Test
    void unexpectedErrorsBecomeAGeneric500WithoutInternals() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/boom"));
        StepVerifier.create(handler.handle(exchange, new IllegalStateException("secret internal detail")))
                .verifyComplete();
        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
        StepVerifier.create(exchange.getResponse().getBodyAsString())
                .assertNext(body -> assertThat(body).doesNotContain("secret").doesNotContain("Exception"))
                .verifyComplete();
    }

    @Test
    void aClientThatClosedTheConnectionGetsNothingWrittenAndIsNoServerError() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/api/v1/incoming-call"));
        StepVerifier.create(handler.handle(exchange, new reactor.netty.channel.AbortedException("Connection has been closed")))
                .verifyComplete();
        assertThat(exchange.getResponse().getStatusCode()).isNull();
    }

    @Test
    void statusExceptionsKeepTheirStatus() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/x"));
        StepVerifier.create(handler.handle(exchange, new ResponseStatusException(HttpStatus.valueOf(413))))
                .verifyComplete();
        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.valueOf(413));
    }
}
