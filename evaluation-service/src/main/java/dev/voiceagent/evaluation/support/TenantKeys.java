package dev.voiceagent.evaluation.support;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.tenant.TenantDirectory;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/** Resolves the calling tenant from {@code x-api-key} through the {@link TenantDirectory}; 401 otherwise. */
@Component
public class TenantKeys {

    private final TenantDirectory directory;

    public TenantKeys(TenantDirectory directory) {
        this.directory = directory;
    }

    public Mono<TenantConfigPublished> tenant(ServerRequest request) {
        return Mono.justOrEmpty(directory.byApiKey(request.headers().firstHeader("x-api-key")))
                .switchIfEmpty(Mono.error(Problems.unauthorized("A valid x-api-key header is required.")));
    }
}
