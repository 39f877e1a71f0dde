package dev.voiceagent.bridge.session;

import dev.voiceagent.support.DatabaseDeadlines;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.support.tenant.TenantAuthenticator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/v1/active-sessions}: the caller tenant's live calls on every bridge instance, with their state.
 * This instance's sessions are read live; the other instances' come from the shared table they publish to every
 * few seconds. Without the table the answer is this instance's sessions, marked {@code partial}.
 */
public class ActiveSessionsHandler {

    private static final Logger log = LoggerFactory.getLogger(ActiveSessionsHandler.class);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(3);

    private final TenantAuthenticator tenants;
    private final SessionRegistry registry;
    private final LiveSessionsRepository others;

    public ActiveSessionsHandler(TenantAuthenticator tenants, SessionRegistry registry, LiveSessionsRepository others) {
        this.tenants = tenants;
        this.registry = registry;
        this.others = others;
    }

    public Mono<ServerResponse> list(ServerRequest request) {
        return tenants.tenant(request)
                .map(TenantConfigPublished::tenantId)
                .flatMap(this::sessions);
    }

    private Mono<ServerResponse> sessions(String tenantId) {
        List<SessionView> local = registry.forTenant(tenantId);
        return DatabaseDeadlines.within(others.others(tenantId).collectList(), READ_TIMEOUT)
                .map(remote -> body(local, remote, false))
                .onErrorResume(e -> {
                    log.warn("active sessions of the other instances unavailable: {}", e.toString());
                    return Mono.just(body(local, List.of(), true));
                })
                .flatMap(body -> ServerResponse.ok().bodyValue(body));
    }

    /** The live sessions of a tenant across instances; {@code partial} when the other instances could not be read. */
    public record ActiveSessions(List<SessionView> sessions, int count, boolean partial) {
    }

    private static ActiveSessions body(List<SessionView> local, List<SessionView> remote, boolean partial) {
        List<SessionView> all = new ArrayList<>(local.size() + remote.size());
        all.addAll(local);
        all.addAll(remote);
        all.sort(Comparator.comparing(SessionView::startedAt, Comparator.nullsLast(Comparator.<Instant>naturalOrder()))
                .thenComparing(SessionView::callSid));
        return new ActiveSessions(all, all.size(), partial);
    }
}
