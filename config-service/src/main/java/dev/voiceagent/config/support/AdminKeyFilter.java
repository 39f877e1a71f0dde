package dev.voiceagent.config.support;

import dev.voiceagent.support.Problems;
import dev.voiceagent.support.tenant.ApiKeys;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import reactor.core.publisher.Mono;

/**
 * Guards {@code /api/v1/admin/**} with {@code x-admin-key} (constant-time comparison): missing → 401, wrong → 403,
 * and 404 for every admin route when no admin key is configured. Rejections happen before any handler runs.
 * The path is matched as the request mappings match it: decoded, with {@code ;} parameters dropped, so
 * {@code /api/v1/admin;x=1/tenants} or {@code /api/v1/%61dmin/tenants} (which reach the same handlers) need the key
 * too.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
public class AdminKeyFilter implements WebFilter {

    public static final String HEADER = "x-admin-key";
    static final PathPattern ADMIN_ROUTES = PathPatternParser.defaultInstance.parse("/api/v1/admin/**");

    private final AdminProperties admin;

    public AdminKeyFilter(AdminProperties admin) {
        this.admin = admin;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!ADMIN_ROUTES.matches(exchange.getRequest().getPath().pathWithinApplication())) {
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
