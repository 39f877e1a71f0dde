package dev.voiceagent.tools.lookup;

import dev.voiceagent.support.Problems;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.tools.lookup.LookupConnectorRepository.Connector;
import dev.voiceagent.tools.support.AdminKeyGuard;
import dev.voiceagent.tools.support.AdminRoutes;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code PUT/DELETE /api/v1/admin/tenants/{tenant_id}/connectors/lookup} ({@code x-admin-key}): sets or removes the
 * tenant's own lookup backend, body {@code {url, auth_header?}}. The answer never repeats the auth header.
 */
@Configuration(proxyBeanMethods = false)
public class ConnectorAdminHandler {

    private static final Logger log = LoggerFactory.getLogger(ConnectorAdminHandler.class);
    static final String PATH = "/api/v1/admin/tenants/{tenant_id}/connectors/lookup";

    private final LookupConnectorRepository connectors;
    private final AdminKeyGuard guard;

    public ConnectorAdminHandler(LookupConnectorRepository connectors, AdminKeyGuard guard) {
        this.connectors = connectors;
        this.guard = guard;
    }

    @Bean
    RouterFunction<ServerResponse> connectorAdminRoutes() {
        return RouterFunctions.route()
                .PUT(PATH, this::put)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Set the tenant's own lookup backend; "
                                + "the answer never repeats the auth header")
                        .accepts(Body.json(ConnectorBody.class)).answers(Body.json(ConnectorView.class)))
                .DELETE(PATH, this::delete)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Remove the tenant's lookup backend")
                        .answers(HttpStatus.NO_CONTENT))
                .build();
    }

    Mono<ServerResponse> put(ServerRequest request) {
        String tenantId = request.pathVariable("tenant_id");
        return guard.check(request)
                .then(Mono.defer(() -> validTenant(tenantId)))
                .then(request.bodyToMono(ConnectorBody.class))
                .switchIfEmpty(Mono.error(() -> Problems.badRequest("A JSON body {\"url\": ...} is required.")))
                .map(ConnectorAdminHandler::validated)
                .flatMap(connector -> connectors.save(tenantId, connector).thenReturn(connector))
                .doOnNext(connector -> log.info("tenant {} lookup connector set to {}", tenantId, connector.url()))
                .flatMap(connector -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(new ConnectorView(tenantId, connector.url(), connector.authHeader() != null)));
    }

    Mono<ServerResponse> delete(ServerRequest request) {
        String tenantId = request.pathVariable("tenant_id");
        return guard.check(request)
                .then(Mono.defer(() -> validTenant(tenantId)))
                .then(connectors.delete(tenantId))
                .flatMap(deleted -> ServerResponse.noContent().build());
    }

    static Connector validated(ConnectorBody body) {
        URI uri;
        try {
            uri = body.url() == null ? null : URI.create(body.url().trim());
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                || uri.getRawQuery() != null || uri.getUserInfo() != null) {
            throw Problems.invalidField("url", "must be an absolute http(s) URL without query or credentials");
        }
        String auth = body.authHeader() == null || body.authHeader().isBlank() ? null : body.authHeader().trim();
        if (auth != null && (auth.length() > 1024 || auth.chars().anyMatch(c -> c < 0x20))) {
            throw Problems.invalidField("auth_header", "must be one header value of at most 1024 characters");
        }
        return new Connector(uri.toString(), auth);
    }

    private static Mono<Void> validTenant(String tenantId) {
        return AdminRoutes.validTenantId(tenantId) ? Mono.empty()
                : Mono.error(Problems.invalidField("tenant_id", "must be 1-64 letters, digits, '-' or '_'"));
    }

    /** The answer: the backend without its auth header. */
    public record ConnectorView(String tenantId, String url, boolean hasAuthHeader) {
    }

    /** The request body. */
    record ConnectorBody(String url, String authHeader) {
    }
}
