package dev.voiceagent.gateway.support;

import dev.voiceagent.support.ProblemErrorWebExceptionHandler;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseCookie;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.ErrorResponse;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The gateway's handlers' refusals as problem+json whatever the request's {@code Accept} says. Left to the
 * framework, an {@link ErrorResponse} from a functional handler is rendered by content negotiation: an SSE route's
 * 404 came out as a {@code text/event-stream} event and an unparseable {@code Accept} left no body at all.
 */
public final class ProblemResponses {

    private ProblemResponses() {
    }

    /** Renders a handler's {@link ErrorResponse} with the platform's problem handler; other errors pass on. */
    public static HandlerFilterFunction<ServerResponse, ServerResponse> filter(ProblemErrorWebExceptionHandler problems) {
        return (request, next) -> next.handle(request)
                .onErrorResume(error -> error instanceof ErrorResponse, error -> Mono.just(new Rendered(problems, error)));
    }

    /** A response whose body the problem handler writes. */
    private record Rendered(ProblemErrorWebExceptionHandler problems, Throwable error) implements ServerResponse {

        @Override
        public HttpStatusCode statusCode() {
            return ((ErrorResponse) error).getStatusCode();
        }

        @Override
        public HttpHeaders headers() {
            return new HttpHeaders();
        }

        @Override
        public MultiValueMap<String, ResponseCookie> cookies() {
            return new LinkedMultiValueMap<>();
        }

        @Override
        public Mono<Void> writeTo(ServerWebExchange exchange, Context context) {
            return problems.handle(exchange, error);
        }
    }
}
