package dev.voiceagent.bridge.session;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.support.tenant.TenantAuthenticator;
import java.util.List;
import java.util.Map;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** {@code GET /api/v1/active-sessions}: the caller tenant's live calls on this instance, with their state. */
public class ActiveSessionsHandler {

    private final TenantAuthenticator tenants;
    private final SessionRegistry registry;

    public ActiveSessionsHandler(TenantAuthenticator tenants, SessionRegistry registry) {
        this.tenants = tenants;
        this.registry = registry;
    }

    public Mono<ServerResponse> list(ServerRequest request) {
        return tenants.tenant(request)
                .map(TenantConfigPublished::tenantId)
                .flatMap(tenantId -> {
                    List<SessionView> sessions = registry.forTenant(tenantId);
                    return ServerResponse.ok().bodyValue(Map.of("sessions", sessions, "count", sessions.size()));
                });
    }
}
