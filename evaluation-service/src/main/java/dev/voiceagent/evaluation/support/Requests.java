package dev.voiceagent.evaluation.support;

import dev.voiceagent.support.Problems;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** Path and query parameters shared by the evaluation API's handlers, validated once, and JSON answers. */
public final class Requests {

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,99}");

    private Requests() {
    }

    /** A path variable naming an agent, version or run: 1–100 of letters, digits, {@code . _ : -}. */
    public static String key(ServerRequest request, String name) {
        String value = request.pathVariable(name);
        if (!KEY.matcher(value).matches()) {
            throw Problems.invalidField(name, "must be 1-100 letters, digits, '.', '_', ':' or '-'");
        }
        return value;
    }


    /** A request body, or a 400 when it is missing or not the expected JSON. */
    public static <T> Mono<T> body(ServerRequest request, Class<T> type) {
        return request.bodyToMono(type)
                .onErrorMap(e -> !(e instanceof org.springframework.web.ErrorResponseException),
                        e -> Problems.badRequest("The body is not valid JSON of the expected shape."))
                .switchIfEmpty(Mono.error(() -> Problems.badRequest("A JSON body is required.")));
    }

    public static Mono<ServerResponse> json(Object body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }

    public static Mono<ServerResponse> json(HttpStatus status, Object body) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }
}
