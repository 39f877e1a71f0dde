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
        @DefaultValue("65536") int maxFrameBytes,
        @DefaultValue("65536") int maxWebhookBytes,
        @DefaultValue("10s") Duration upstreamTimeout,
        @DefaultValue("24h") Duration idempotencyRetention) {

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
