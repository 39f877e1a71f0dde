package dev.voiceagent.tools.support;

import java.util.List;
import java.util.regex.Pattern;
import org.springframework.http.codec.DecoderHttpMessageReader;
import org.springframework.http.codec.HttpMessageReader;
import org.springframework.http.codec.json.JacksonJsonDecoder;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** Shared checks of admin route path variables, and the reading of their bulk bodies. */
public final class AdminRoutes {

    private static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    private AdminRoutes() {
    }

    public static boolean validTenantId(String tenantId) {
        return tenantId != null && TENANT_ID.matcher(tenantId).matches();
    }

    /**
     * A JSON reader that buffers up to {@code maxBytes}, for a bulk upload whose documented maximum (10,000 accounts,
     * 5,000 slots) is far larger than the service's 256 KB codec default: with the default such a body failed with a
     * 500. The limit is the route's own rather than {@code spring.codec.max-in-memory-size}, so the unauthenticated
     * Twilio routes keep the small default; and the decoder is a new one because the configured readers share theirs
     * (setting a limit on a copy of the codec configuration would raise it for every route). A larger body is a 413
     * problem ({@code ProblemErrorWebExceptionHandler}).
     */
    public static List<HttpMessageReader<?>> jsonReaders(JsonMapper json, int maxBytes) {
        JacksonJsonDecoder decoder = new JacksonJsonDecoder(json);
        decoder.setMaxInMemorySize(maxBytes);
        return List.of(new DecoderHttpMessageReader<>(decoder));
    }

    /** The request's JSON body read with {@code readers} (see {@link #jsonReaders}), with the framework's errors. */
    public static <T> Mono<T> body(ServerRequest request, List<HttpMessageReader<?>> readers, Class<T> type) {
        return ServerRequest.create(request.exchange(), readers).bodyToMono(type);
    }
}
