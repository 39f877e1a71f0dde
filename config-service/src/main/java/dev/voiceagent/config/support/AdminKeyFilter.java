package dev.voiceagent.config.support;

import dev.voiceagent.support.Problems;
import dev.voiceagent.support.tenant.ApiKeys;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Guards {@code /api/v1/admin/**} with {@code x-admin-key} (constant-time comparison): missing → 401, wrong → 403,
 * and 404 for every admin route when no admin key is configured. Rejections happen before any handler runs.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
public class AdminKeyFilter implements WebFilter {

    public static final String HEADER = "x-admin-key";
    static final String ADMIN_PREFIX = "/api/v1/admin/";

    private final AdminProperties admin;

    public AdminKeyFilter(AdminProperties admin) {
        this.admin = admin;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (!path.startsWith(ADMIN_PREFIX) && !path.equals(ADMIN_PREFIX.substring(0, ADMIN_PREFIX.length() - 1))) {
            return chain.filter(exchange);
        }
        if (!admin.adminEnabled()) {
            return Mono.error(Problems.notFound("No admin API on this instance."));
        }
        String presented = exchange.getRequest().getHeaders().getFirst(HEADER);
        if (presented == null || presented.isEmpty()) {
            return Mono.error(Problems.unauthorized("The x-admin-key header is required."));
        }
        if (!ApiKeys.matches(presented, admin.adminKey())) {
            return Mono.error(Problems.forbidden("The x-admin-key header is not valid."));
        }
        return chain.filter(exchange);
    }
}
