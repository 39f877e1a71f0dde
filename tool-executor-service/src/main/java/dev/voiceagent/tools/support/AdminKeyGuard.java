package dev.voiceagent.tools.support;

import dev.voiceagent.support.Problems;
import dev.voiceagent.support.tenant.ApiKeys;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/**
 * Guards admin routes with {@code x-admin-key}: 404 when no admin key is configured (the routes do not exist),
 * 401 when the header is missing, 403 when it is wrong.
 */
@Component
public class AdminKeyGuard {

    static final String HEADER = "x-admin-key";

    private final String adminKey;

    public AdminKeyGuard(@Value("${voice.admin-key:}") String adminKey) {
        this.adminKey = adminKey;
    }

    public Mono<Void> check(ServerRequest request) {
        if (adminKey == null || adminKey.isBlank()) {
            return Mono.error(Problems.notFound("No such route."));
        }
        String presented = request.headers().firstHeader(HEADER);
        if (presented == null || presented.isBlank()) {
            return Mono.error(Problems.unauthorized("The x-admin-key header is required."));
        }
        if (!ApiKeys.matches(presented, adminKey)) {
            return Mono.error(Problems.forbidden("The admin key is not valid."));
        }
        return Mono.empty();
    }
}
