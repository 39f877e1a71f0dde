package dev.voiceagent.support;

import org.springframework.web.reactive.function.server.ServerRequest;

/** Query parameters of the public APIs, validated into 400 problems naming the parameter. */
public final class QueryParams {

    private QueryParams() {
    }

    /** An integer parameter in {@code [min, max]}, or {@code fallback} when absent. */
    public static int intParam(ServerRequest request, String name, int fallback, int min, int max) {
        String raw = request.queryParam(name).orElse(null);
        if (raw == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value < min || value > max) {
                throw Problems.invalidField(name, "must be between " + min + " and " + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw Problems.invalidField(name, "must be a number");
        }
    }
}
