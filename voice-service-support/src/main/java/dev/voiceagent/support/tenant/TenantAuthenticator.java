package dev.voiceagent.support.tenant;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.support.Problems;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/** Resolves the calling tenant from the {@code x-api-key} header; 401 problem when the key is unknown. */
public class TenantAuthenticator {

    public static final String API_KEY_HEADER = "x-api-key";

    private final TenantDirectory directory;

    public TenantAuthenticator(TenantDirectory directory) {
        this.directory = directory;
    }

    public Mono<TenantConfigPublished> tenant(ServerRequest request) {
        String key = request.headers().firstHeader(API_KEY_HEADER);
        return Mono.justOrEmpty(directory.byApiKey(key))
                .switchIfEmpty(Mono.error(() -> Problems.unauthorized(
                        key == null ? "Missing x-api-key header." : "Unknown or revoked API key.")));
    }
}
