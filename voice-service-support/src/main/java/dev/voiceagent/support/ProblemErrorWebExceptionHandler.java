package dev.voiceagent.support;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;
import reactor.netty.channel.AbortedException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns every error that leaves a handler into {@code application/problem+json}: status and detail for
 * errors that carry them, 413 for a body larger than may be buffered, a generic 500 without internals otherwise. Stack traces never reach a client.
 */
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class ProblemErrorWebExceptionHandler implements WebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemErrorWebExceptionHandler.class);

    private final JsonMapper json;

    public ProblemErrorWebExceptionHandler(JsonMapper json) {
        this.json = json;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(ex);
        }
        if (ex instanceof AbortedException) {
            // the client closed the connection before the answer (Twilio gives up on a slow webhook): nothing can
            // be written and nothing failed on this side; one line, no stack trace, not an error
            log.info("request {} {}: the client closed the connection before the answer",
                    exchange.getRequest().getMethod(), exchange.getRequest().getPath());
            return Mono.empty();
        }
        ProblemDetail problem = toProblem(ex);
        problem.setInstance(exchange.getRequest().getURI().resolve(exchange.getRequest().getPath().value()));
        if (problem.getStatus() >= 500) {
            log.error("request {} {} failed", exchange.getRequest().getMethod(), exchange.getRequest().getPath(), ex);
        }
        byte[] body = json.writeValueAsBytes(asMap(problem));
        var response = exchange.getResponse();
        response.setStatusCode(HttpStatusCode.valueOf(problem.getStatus()));
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (ex instanceof ErrorResponse errorResponse) {
            errorResponse.getHeaders().forEach((name, values) -> response.getHeaders().put(name, values));
        }
        DataBuffer buffer = response.bufferFactory().wrap(body);
        return response.writeWith(Mono.just(buffer));
    }

    static ProblemDetail toProblem(Throwable ex) {
        if (exceedsBufferLimit(ex)) {
            // a body bigger than the decoder may buffer (spring.codec.max-in-memory-size or a route's own limit): the
            // client sent too much, which is a 413 it can act on, not a failure of this service; functional routes'
            // bodyToMono passes the decoder's DataBufferLimitException on as it is
            ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE,
                    "The request body is larger than this endpoint accepts.");
            p.setTitle("Content too large");
            return p;
        }
        if (ex instanceof ServerWebInputException input && input.getCause() instanceof DecodingException) {
            ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "The request body could not be read.");
            p.setTitle("Malformed request");
            return p;
        }
        if (ex instanceof ErrorResponse errorResponse) {
            ProblemDetail body = errorResponse.getBody();
            ProblemDetail copy = ProblemDetail.forStatusAndDetail(HttpStatusCode.valueOf(body.getStatus()), body.getDetail());
            copy.setTitle(body.getTitle());
            if (body.getType() != null) {
                copy.setType(body.getType());
            }
            if (body.getProperties() != null) {
                body.getProperties().forEach(copy::setProperty);
            }
            return copy;
        }
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "The request could not be completed.");
        p.setTitle("Internal error");
        return p;
    }

    private static boolean exceedsBufferLimit(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DataBufferLimitException) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, Object> asMap(ProblemDetail problem) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("type", problem.getType() != null ? problem.getType().toString() : "about:blank");
        body.put("title", problem.getTitle() != null ? problem.getTitle()
                : HttpStatus.valueOf(problem.getStatus()).getReasonPhrase());
        body.put("status", problem.getStatus());
        if (problem.getDetail() != null) {
            body.put("detail", problem.getDetail());
        }
        if (problem.getInstance() != null) {
            body.put("instance", problem.getInstance().getPath());
        }
        if (problem.getProperties() != null) {
            body.putAll(problem.getProperties());
        }
        return body;
    }
}
