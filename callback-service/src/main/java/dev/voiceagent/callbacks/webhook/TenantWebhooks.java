package dev.voiceagent.callbacks.webhook;

import dev.voiceagent.callbacks.sla.QueuePolicyProperties;
import dev.voiceagent.support.tenant.TenantDirectory;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The tenant's {@code webhook_url} (runtime config of its published view): queues events for it in the outbox —
 * within the caller's transaction, so an event exists exactly when the change it reports does — and delivers due
 * ones signed with the tenant's secret, retried with exponential back-off until dead.
 */
@Component
public class TenantWebhooks {

    private static final Logger log = LoggerFactory.getLogger(TenantWebhooks.class);

    private final WebhookEventRepository events;
    private final WebhookClient client;
    private final TenantDirectory directory;
    private final QueuePolicyProperties.Notifications settings;

    public TenantWebhooks(WebhookEventRepository events, WebhookClient client, TenantDirectory directory,
                          QueuePolicyProperties policy) {
        this.events = events;
        this.client = client;
        this.directory = directory;
        this.settings = policy.notifications();
    }

    /** Queues an event whatever the tenant's settings (its row records that it was raised); answers whether new. */
    public Mono<Boolean> queue(WebhookEvent event) {
        return events.enqueue(event);
    }

    /** Queues an event only for a tenant that has a webhook (and notifications on); answers whether new. */
    public Mono<Boolean> queueIfSubscribed(WebhookEvent event) {
        if (!settings.enabled() || webhookUrl(event.tenantId()).isEmpty()) {
            return Mono.just(false);
        }
        return events.enqueue(event);
    }

    /** Sends due events; answers how many were attempted. */
    public Mono<Long> deliverDue() {
        Duration lease = settings.timeout().multipliedBy(3);
        return events.leaseDue(50, lease).concatMap(this::deliver).count();
    }

    private Mono<Boolean> deliver(WebhookEvent event) {
        String url = webhookUrl(event.tenantId()).orElse(null);
        String secret = settings.secretOf(event.tenantId());
        if (url == null || secret == null) {
            return events.skipped(event.eventId(), url == null ? "tenant has no webhook_url" : "no signing secret")
                    .thenReturn(false);
        }
        return client.post(url, event, secret, settings.timeout())
                .then(events.delivered(event.eventId()))
                .doOnSuccess(v -> log.info("webhook event {} ({}) delivered to tenant {}", event.eventId(),
                        event.type(), event.tenantId()))
                .thenReturn(true)
                .onErrorResume(e -> failed(event, WebhookClient.reason(e)));
    }

    private Mono<Boolean> failed(WebhookEvent event, String reason) {
        int attempt = event.attempts() + 1;
        boolean dead = attempt >= settings.maxAttempts();
        log.warn("webhook event {} ({}) attempt {} failed: {}{}", event.eventId(), event.type(), attempt, reason,
                dead ? " (dead)" : "");
        return events.failed(event.eventId(), reason, dead, settings.backoff(attempt)).thenReturn(false);
    }

    private Optional<String> webhookUrl(String tenantId) {
        return directory.byId(tenantId)
                .map(t -> t.runtimeConfig() == null ? null : t.runtimeConfig().webhookUrl())
                .filter(u -> !u.isBlank());
    }
}
