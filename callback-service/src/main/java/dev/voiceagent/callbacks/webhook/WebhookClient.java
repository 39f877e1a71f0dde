package dev.voiceagent.callbacks.webhook;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.publisher.Mono;

/** POSTs a signed event body to a tenant's webhook within a timeout; errors are for the caller to count. */
@Component
public class WebhookClient {

    private final WebClient web;

    public WebhookClient(WebClient.Builder builder) {
        this.web = builder.build();
    }

    public Mono<Void> post(String url, WebhookEvent event, String secret, Duration timeout) {
        return web.post().uri(url)
                .contentType(MediaType.APPLICATION_JSON)
                .header(WebhookSigner.EVENT_ID_HEADER, event.eventId())
                .header(WebhookSigner.EVENT_TYPE_HEADER, event.type())
                .header(WebhookSigner.SIGNATURE_HEADER, WebhookSigner.sign(secret, event.payload()))
                .bodyValue(event.payload())
                .retrieve()
                .toBodilessEntity()
                .timeout(timeout)
                .then();
    }

    /** A short reason for a failed delivery (never the URL's query or the body). */
    static String reason(Throwable e) {
        if (e instanceof WebClientResponseException w) {
            return "webhook answered " + w.getStatusCode().value();
        }
        if (e instanceof TimeoutException) {
            return "webhook timed out";
        }
        return "webhook unreachable: " + e.getClass().getSimpleName();
    }
}
