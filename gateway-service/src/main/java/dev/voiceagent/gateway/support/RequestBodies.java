package dev.voiceagent.gateway.support;

import dev.voiceagent.support.Problems;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/** Reads request bodies with a size limit (413 problem beyond it) and parses form posts. */
public final class RequestBodies {

    private RequestBodies() {
    }

    /** The body as UTF-8 text, empty string when there is none. */
    public static Mono<String> readUtf8(ServerRequest request, int maxBytes) {
        long declared = request.headers().contentLength().orElse(-1);
        if (declared > maxBytes) {
            return Mono.error(tooLarge(maxBytes));
        }
        return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), maxBytes)
                .map(RequestBodies::text)
                .defaultIfEmpty("")
                .onErrorMap(DataBufferLimitException.class, e -> tooLarge(maxBytes));
    }

    private static String text(DataBuffer buffer) {
        try {
            return buffer.toString(StandardCharsets.UTF_8);
        } finally {
            DataBufferUtils.release(buffer);
        }
    }

    private static RuntimeException tooLarge(int maxBytes) {
        return Problems.of(HttpStatus.CONTENT_TOO_LARGE, "Payload too large",
                "The request body exceeds " + maxBytes + " bytes.");
    }

    /** Parses {@code application/x-www-form-urlencoded}; the last value of a repeated name wins. */
    public static Map<String, String> parseForm(String body) {
        Map<String, String> params = new LinkedHashMap<>();
        if (body == null || body.isBlank()) {
            return params;
        }
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                params.put(name, value);
            } catch (IllegalArgumentException e) {
                throw Problems.badRequest("The form body is not valid application/x-www-form-urlencoded.");
            }
        }
        return params;
    }
}
