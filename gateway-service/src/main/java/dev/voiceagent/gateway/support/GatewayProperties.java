package dev.voiceagent.gateway.support;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** Typed {@code voice.gateway.*} settings: public URL, upstreams, media-token secrets and limits. */
@ConfigurationProperties("voice.gateway")
public record GatewayProperties(
        @DefaultValue("development") String mode,
        @DefaultValue("http://localhost:8080") URI publicBaseUrl,
        @DefaultValue("ws://localhost:8082/internal/v1/media-stream") URI bridgeUrl,
        @DefaultValue("http://localhost:8081") URI configUrl,
        @DefaultValue("http://localhost:8084") URI evaluationUrl,
        @DefaultValue("http://localhost:8085") URI callbackUrl,
        @DefaultValue List<String> mediaTokenSecrets,
        @DefaultValue("60s") Duration mediaTokenTtl,
        @DefaultValue List<String> trustedProxies,
        @DefaultValue("10s") Duration streamStartTimeout,
        @DefaultValue("5s") Duration bridgeConnectTimeout,
        @DefaultValue("30s") Duration bridgeLossOutcomeGrace,
        @DefaultValue("1") int bridgeRefusalRetries,
        @DefaultValue("65536") int maxFrameBytes,
        @DefaultValue("65536") int maxWebhookBytes,
        @DefaultValue("10s") Duration upstreamTimeout,
        @DefaultValue("24h") Duration idempotencyRetention,
        @DefaultValue("http://localhost:8082") URI bridgeApiUrl,
        @DefaultValue BridgeDiscovery bridgeDiscovery,
        @DefaultValue("true") boolean asyncAmd,
        @DefaultValue Limits limits,
        @DefaultValue LogStream logStream,
        @DefaultValue Outbox outbox,
        @DefaultValue Prewarm prewarm) {

    /**
     * Default rate and concurrency limits ({@code voice.gateway.limits.*}); a tenant's own limits may later come
     * with its published view. Rates are token buckets: {@code *-per-second} refill, {@code *-burst} capacity.
     */
    public record Limits(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("100") double ipRequestsPerSecond,
            @DefaultValue("200") int ipBurst,
            @DefaultValue("50") double tenantRequestsPerSecond,
            @DefaultValue("100") int tenantBurst,
            @DefaultValue("5") double tenantCallsPerSecond,
            @DefaultValue("20") int tenantCallBurst,
            @DefaultValue("50") int tenantConcurrentCalls,
            @DefaultValue("30s") Duration concurrencyRetryAfter,
            @DefaultValue("4h") Duration maxCallAge,
            @DefaultValue("100000") int maxTrackedKeys,
            @DefaultValue("2m") Duration slotReservationTtl,
            @DefaultValue("5s") Duration instanceHeartbeat,
            @DefaultValue("60") int tenantConcurrentStreams,
            @DefaultValue("250") int streamFramesPerSecond) {
    }

    /** Live log streams ({@code voice.gateway.log-stream.*}): per-subscriber buffer, heartbeat, lifetime. */
    public record LogStream(
            @DefaultValue("256") int buffer,
            @DefaultValue("15s") Duration heartbeat,
            @DefaultValue("2s") Duration closeGrace,
            @DefaultValue("4h") Duration maxDuration,
            @DefaultValue("10000") int publishQueue) {
    }

    /** The call-event outbox relay ({@code voice.gateway.outbox.*}). */
    public record Outbox(
            @DefaultValue("1s") Duration interval,
            @DefaultValue("200") int batchSize,
            @DefaultValue("24h") Duration retention,
            @DefaultValue("10ms") Duration linger) {
    }

    /**
     * Media bridge instances ({@code voice.gateway.bridge-discovery.*}): {@code host} names a headless Service whose
     * DNS records are the ready bridges, looked up every {@code refresh-interval}; a call's pre-warm and stream then go
     * to one of them, chosen by its call SID. Empty (the default): both go to the bridge URLs.
     */
    public record BridgeDiscovery(
            String host,
            @DefaultValue("5s") Duration refreshInterval) {
    }

    /** Model-session pre-warm at incoming-call ({@code voice.gateway.prewarm.*}). */
    public record Prewarm(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("2s") Duration timeout,
            @DefaultValue("64") int concurrency,
            @DefaultValue("1000") int queue) {
    }

    /** Production mode refuses to start without the secrets that keep the edge closed. */
    public boolean production() {
        return "production".equalsIgnoreCase(mode);
    }

    /** The public base URL without a trailing slash. */
    public String publicBase() {
        String base = publicBaseUrl.toString();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /** The media-stream URL Twilio opens: the public base with a ws or wss scheme. */
    public String mediaStreamUrl() {
        String base = publicBase();
        String wsBase = base.startsWith("https://") ? "wss://" + base.substring(8)
                : base.startsWith("http://") ? "ws://" + base.substring(7) : base;
        return wsBase + "/api/v1/media-stream";
    }
}
