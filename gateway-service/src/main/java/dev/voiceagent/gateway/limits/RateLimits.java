package dev.voiceagent.gateway.limits;

import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.gateway.support.GatewayProperties;
import dev.voiceagent.support.Problems;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;

/**
 * The gateway's limits: requests per client IP, requests per tenant, calls placed per tenant (token buckets) and
 * live calls per tenant. A tenant's published limits ({@code max_concurrent_calls}, {@code calls_per_minute}) take
 * the place of {@code voice.gateway.limits.*} for that tenant; a tenant without them gets those. The per-tenant buckets
 * hold for all instances together: each instance takes its {@link #share}; the per-IP bucket protects each
 * instance on its own. Live calls are counted in Postgres ({@link CallSlots}).
 */
public class RateLimits {

    private final GatewayProperties.Limits settings;
    private final TokenBuckets perIp;
    private final TokenBuckets perTenant;
    private final TokenBuckets callsPerTenant;

    public RateLimits(GatewayProperties.Limits settings) {
        this.settings = settings;
        this.perIp = new TokenBuckets(settings.ipRequestsPerSecond(), settings.ipBurst(), settings.maxTrackedKeys(),
                System::nanoTime);
        this.perTenant = new TokenBuckets(settings.tenantRequestsPerSecond(), settings.tenantBurst(),
                settings.maxTrackedKeys(), System::nanoTime);
        this.callsPerTenant = new TokenBuckets(settings.tenantCallsPerSecond(), settings.tenantCallBurst(),
                settings.maxTrackedKeys(), System::nanoTime);
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** This instance's share of the per-tenant rates, one of {@code instances} live gateway instances. */
    public void share(int instances) {
        perTenant.share(instances);
        callsPerTenant.share(instances);
    }

    /** 0 when the client IP may make another request, else seconds to wait. */
    public long ip(String ip) {
        return perIp.tryAcquire(ip);
    }

    /** 0 when the tenant may make another API request, else seconds to wait. */
    public long tenant(String tenantId) {
        return perTenant.tryAcquire(tenantId);
    }

    /**
     * 0 when the tenant may place another call now, else seconds to wait. A tenant's {@code calls_per_minute} refills
     * its bucket at that rate and lets it hold a minute's calls.
     */
    public long placeCall(TenantConfigPublished tenant) {
        Integer perMinute = tenant.limits().callsPerMinute();
        if (perMinute == null) {
            return callsPerTenant.tryAcquire(tenant.tenantId());
        }
        return callsPerTenant.tryAcquire(tenant.tenantId(), perMinute / 60.0, perMinute);
    }

    /** How many calls the tenant may have live at once: its own {@code max_concurrent_calls}, or the default. */
    public int concurrentCalls(TenantConfigPublished tenant) {
        Integer own = tenant.limits().maxConcurrentCalls();
        return own != null ? own : settings.tenantConcurrentCalls();
    }

    /** How long a refused caller should wait before retrying a call over the concurrency limit. */
    public long concurrencyRetryAfterSeconds() {
        return Math.max(1, settings.concurrencyRetryAfter().toSeconds());
    }

    /** A 429 problem with {@code Retry-After}. */
    public static ErrorResponseException tooManyRequests(String detail, long retryAfterSeconds) {
        ErrorResponseException problem = Problems.of(HttpStatus.TOO_MANY_REQUESTS, "Too many requests", detail);
        problem.getBody().setProperty("retry_after_seconds", retryAfterSeconds);
        problem.getHeaders().set("Retry-After", Long.toString(retryAfterSeconds));
        return problem;
    }
}
