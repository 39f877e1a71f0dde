package dev.voiceagent.gateway.prewarm;

import dev.voiceagent.gateway.support.BackgroundSender;
import java.net.URI;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * Asks the media bridge to open (or take from a warm pool) the model session while Twilio is still connecting the
 * media stream: {@code POST {bridge-api-url}/internal/v1/sessions/prewarm}. Fire-and-forget but tracked: requests
 * go through a bounded {@link BackgroundSender} (never delaying the TwiML answer), each with a timeout; failures
 * are only logged, since the bridge opens the session on stream start anyway.
 */
public class SessionPrewarmer {

    public static final String PATH = "/internal/v1/sessions/prewarm";
    private static final Logger log = LoggerFactory.getLogger(SessionPrewarmer.class);

    /** The body the bridge receives (snake_case on the wire). */
    public record Prewarm(String callSid, String tenantId, String agentKey, String agentVersionId, String caller,
                          String direction) {
    }

    private final WebClient client;
    private final URI endpoint;
    private final Duration timeout;
    private final boolean enabled;
    private final BackgroundSender<Prewarm> sender;

    public SessionPrewarmer(WebClient client, URI bridgeApiUrl, Duration timeout, boolean enabled, int queue,
                            int concurrency) {
        this.client = client;
        String base = bridgeApiUrl.toString();
        this.endpoint = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + PATH);
        this.timeout = timeout;
        this.enabled = enabled;
        this.sender = new BackgroundSender<>("session pre-warm", queue, concurrency, this::send);
    }

    /** The background sender, registered as a lifecycle bean by the configuration. */
    public BackgroundSender<Prewarm> sender() {
        return sender;
    }

    /** Queues a pre-warm request; returns at once. Without an agent there is no session to prepare. */
    public void prewarm(Prewarm request) {
        if (enabled && request.agentKey() != null) {
            sender.offer(request);
        }
    }

    private Mono<Void> send(Prewarm request) {
        return client.post()
                .uri(endpoint)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(request)
                .retrieve()
                .toBodilessEntity()
                .timeout(timeout)
                .doOnNext(response -> log.debug("pre-warm for call {} answered {}", request.callSid(),
                        response.getStatusCode()))
                .then()
                .onErrorResume(e -> {
                    log.warn("pre-warm for call {} failed: {}", request.callSid(), e.toString());
                    return Mono.empty();
                });
    }
}
