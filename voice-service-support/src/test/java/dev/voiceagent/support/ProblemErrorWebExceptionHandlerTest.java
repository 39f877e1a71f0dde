package dev.voiceagent.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;
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
    void aBodyLargerThanTheDecoderMayBufferIsA413ProblemNotAnInternalError() {
        DataBufferLimitException tooLarge = new DataBufferLimitException("Exceeded limit on max bytes to buffer : 262144");
        for (Throwable error : List.of(tooLarge, new ServerWebInputException("Failed to read HTTP message", null,
                new DecodingException("JSON decoding error", tooLarge)))) {
            MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.put("/api/v1/bulk"));
            StepVerifier.create(handler.handle(exchange, error)).verifyComplete();
            assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
            assertThat(exchange.getResponse().getHeaders().getContentType())
                    .isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            StepVerifier.create(exchange.getResponse().getBodyAsString())
                    .assertNext(body -> assertThat(body).contains("\"status\":413", "\"title\":\"Content too large\"",
                            "\"instance\":\"/api/v1/bulk\"").doesNotContain("262144"))
                    .verifyComplete();
        }
    }

    @Test
    void statusExceptionsKeepTheirStatus() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/x"));
        StepVerifier.create(handler.handle(exchange, new ResponseStatusException(HttpStatus.valueOf(413))))
                .verifyComplete();
        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.valueOf(413));
    }
}
