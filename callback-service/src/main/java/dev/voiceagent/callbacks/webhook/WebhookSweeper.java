package dev.voiceagent.callbacks.webhook;

import dev.voiceagent.callbacks.sla.QueuePolicyProperties;
import dev.voiceagent.support.BackgroundLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Delivers the tenant webhook outbox, apart from the queue's SLA sweep so that a slow tenant endpoint never delays
 * SLA notifications or expiry. Every {@code notifications.delivery-interval} it lists the tenants with due events and
 * none in flight and gives each a lane ({@link TenantWebhooks#deliverTenant}), up to {@code notifications.concurrency}
 * lanes at once. Lanes do not wait for each other: a lane that ends makes room for the next tenant while a slow one
 * is still sending, and a tenant already in flight (here or on another instance) is not leased twice.
 * A managed lifecycle bean: one tracked pipeline, started with the context and disposed when it stops.
 */
@Component
public class WebhookSweeper extends BackgroundLoop {

    private static final Logger log = LoggerFactory.getLogger(WebhookSweeper.class);

    private final TenantWebhooks webhooks;
    private final QueuePolicyProperties.Notifications settings;

    public WebhookSweeper(TenantWebhooks webhooks, QueuePolicyProperties policy) {
        this.webhooks = webhooks;
        this.settings = policy.notifications();
    }

    @Override
    protected Flux<?> loop() {
        // while every lane is busy the listed tenants wait their turn and ticks are dropped: the next listing
        // happens once the current one is used up
        return Flux.interval(settings.deliveryInterval(), settings.deliveryInterval())
                .onBackpressureDrop()
                .concatMap(tick -> dueTenants(), 1)
                .flatMap(webhooks::deliverTenant, settings.concurrency());
    }

    private Flux<String> dueTenants() {
        return webhooks.dueTenants().onErrorResume(e -> {
            log.warn("listing due webhook events failed: {}", e.toString());
            return Mono.empty();
        });
    }
}
