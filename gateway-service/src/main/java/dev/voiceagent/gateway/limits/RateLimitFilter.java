package dev.voiceagent.gateway.limits;

import dev.voiceagent.gateway.twilio.SignedUrlResolver;
import dev.voiceagent.support.tenant.TenantAuthenticator;
import dev.voiceagent.support.tenant.TenantDirectory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.springframework.core.Ordered;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import reactor.core.publisher.Mono;

/**
 * Rate limits on the public API ({@code /api/v1/**}): per client IP first (the IP a trusted proxy forwarded, else
 * the peer), then per tenant of the {@code x-api-key} (calls placed per tenant are limited by make-call). Refusals
 * are 429 problems with {@code Retry-After}. Twilio's webhooks and the media stream are not limited here: they
 * all come from Twilio's few addresses, are verified by signature, and a refusal would drop a live call.
 */
public class RateLimitFilter implements WebFilter, Ordered {

    /** Matched as the routes match (decoded, {@code ;} parameters dropped), so no other spelling escapes a limit. */
    static final PathPattern API = PathPatternParser.defaultInstance.parse("/api/v1/**");
    static final List<PathPattern> TWILIO_PATHS = Stream.of("/api/v1/incoming-call", "/api/v1/call-status",
            "/api/v1/amd-status", "/api/v1/media-stream").map(PathPatternParser.defaultInstance::parse).toList();

    private static final Pattern IP_LITERAL = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final RateLimits limits;
    private final TenantDirectory directory;
    private final SignedUrlResolver proxies;

    public RateLimitFilter(RateLimits limits, TenantDirectory directory, SignedUrlResolver proxies) {
        this.limits = limits;
        this.directory = directory;
        this.proxies = proxies;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 100;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        PathContainer path = request.getPath().pathWithinApplication();
        if (!limits.enabled() || !API.matches(path) || TWILIO_PATHS.stream().anyMatch(twilio -> twilio.matches(path))) {
            return chain.filter(exchange);
        }
        long wait = limits.ip(clientIp(request));
        if (wait > 0) {
            return Mono.error(RateLimits.tooManyRequests("Too many requests from this address.", wait));
        }
        String tenantId = directory.byApiKey(request.getHeaders().getFirst(TenantAuthenticator.API_KEY_HEADER))
                .map(tenant -> tenant.tenantId()).orElse(null);
        if (tenantId != null) {
            wait = limits.tenant(tenantId);
            if (wait > 0) {
                return Mono.error(RateLimits.tooManyRequests("Too many requests for this tenant.", wait));
            }
        }
        return chain.filter(exchange);
    }

    /** The client address: behind a trusted proxy the last X-Forwarded-For hop that is not itself trusted. */
    String clientIp(ServerHttpRequest request) {
        InetSocketAddress remote = request.getRemoteAddress();
        String peer = remote == null || remote.getAddress() == null ? "unknown" : remote.getAddress().getHostAddress();
        String forwarded = request.getHeaders().getFirst("X-Forwarded-For");
        if (forwarded == null || !proxies.trusted(remote)) {
            return peer;
        }
        List<String> hops = List.of(forwarded.split(","));
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = hops.get(i).trim();
            if (!hop.isEmpty() && !trustedLiteral(hop)) {
                return hop;
            }
        }
        return peer;
    }

    /** Only IP literals are checked (never resolved: no DNS lookups on the event loop). */
    private boolean trustedLiteral(String hop) {
        if (!IP_LITERAL.matcher(hop).matches()) {
            return false;
        }
        try {
            return proxies.trusted(new InetSocketAddress(InetAddress.getByName(hop), 0));
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
