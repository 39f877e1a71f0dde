package dev.voiceagent.callbacks.webhook;

import dev.voiceagent.callbacks.sla.QueuePolicyProperties;
import dev.voiceagent.support.tenant.TenantDirectory;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The tenant's {@code webhook_url} (runtime config of its published view): queues events for it in the outbox —
 * within the caller's transaction, so an event exists exactly when the change it reports does — and delivers due
 * ones signed with the tenant's secret, retried with exponential back-off until dead. Delivery runs in lanes, one
 * per tenant, several tenants at once ({@link WebhookSweeper}): a tenant's events go out one at a time and in order,
 * and a slow or hanging endpoint holds one lane, not everyone's events.
 */
@Component
public class TenantWebhooks {

    private static final Logger log = LoggerFactory.getLogger(TenantWebhooks.class);

    /** Tenants one pass starts lanes for; the rest wait for the next pass. */
    private static final int MAX_TENANTS_PER_PASS = 100;
    /** Batches in one tenant's turn, so that a long backlog gives its lane back now and then. */
    private static final int MAX_BATCHES_PER_TURN = 10;

    private final WebhookEventRepository events;
    private final WebhookClient client;
    private final TenantDirectory directory;
    private final QueuePolicyProperties.Notifications settings;
    private final TransactionalOperator tx;

    public TenantWebhooks(WebhookEventRepository events, WebhookClient client, TenantDirectory directory,
                          QueuePolicyProperties policy, ReactiveTransactionManager transactions) {
        this.events = events;
        this.client = client;
        this.directory = directory;
        this.settings = policy.notifications();
        this.tx = TransactionalOperator.create(transactions);
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

    /**
     * One delivery pass, as another instance would run it: a lane for each tenant with due events (bounded
     * concurrency), each as {@link #deliverTenant}; answers how many events were attempted.
     */
    public Mono<Long> deliverDue() {
        return dueTenants().flatMap(this::deliverTenant, settings.concurrency()).reduce(0L, Long::sum);
    }

    /** Tenants with due events and none in flight, read to the end before any lane starts. */
    Flux<String> dueTenants() {
        return events.dueTenants(MAX_TENANTS_PER_PASS).collectList().flatMapMany(Flux::fromIterable);
    }

    /**
     * A tenant's turn: its due events a batch at a time, each batch leased (so no other sender takes it) and sent one
     * event after another, until a batch comes back short, an attempt fails (the endpoint is struggling: the rest
     * waits for the next turn instead of holding a lane) or the turn has had its batches. Answers how many events
     * were attempted.
     */
    public Mono<Long> deliverTenant(String tenantId) {
        return Mono.defer(() -> batch(tenantId))
                .repeat(MAX_BATCHES_PER_TURN - 1)
                .takeUntil(batch -> batch.leased() < settings.batchSize() || batch.failed())
                .reduce(0L, (sum, batch) -> sum + batch.attempted())
                .onErrorResume(e -> {
                    log.warn("webhook delivery for tenant {} failed: {}", tenantId, e.toString());
                    return Mono.just(0L);
                });
    }

    private Mono<Batch> batch(String tenantId) {
        String token = UUID.randomUUID().toString();
        return tx.transactional(events.lease(tenantId, settings.batchSize(), settings.lease(), token))
                .flatMap(leased -> Flux.fromIterable(leased)
                        .concatMap(event -> deliver(event, token))
                        .takeUntil(delivered -> !delivered)
                        .collectList()
                        .map(results -> new Batch(leased.size(), results.size(), results.contains(false))))
                // events after a failed one were not attempted: due again at once, for the next turn
                .flatMap(batch -> batch.attempted() < batch.leased() ? events.release(token).thenReturn(batch)
                        : Mono.just(batch));
    }

    /** One leased batch: how many events it held, how many were attempted, whether an attempt failed. */
    private record Batch(int leased, int attempted, boolean failed) {
    }

    /** Sends one event; answers false when the endpoint did not take it (to be retried), true otherwise. */
    private Mono<Boolean> deliver(WebhookEvent event, String token) {
        String url = webhookUrl(event.tenantId()).orElse(null);
        String secret = settings.secretOf(event.tenantId());
        if (url == null || secret == null) {
            return events.skipped(event.eventId(), token, url == null ? "tenant has no webhook_url" : "no signing secret")
                    .thenReturn(true);
        }
        return client.post(url, event, secret, settings.timeout())
                .then(events.delivered(event.eventId(), token))
                .doOnNext(recorded -> log.info("webhook event {} ({}) delivered to tenant {}{}", event.eventId(),
                        event.type(), event.tenantId(), recorded ? "" : " after its lease ran out"))
                .thenReturn(true)
                .onErrorResume(e -> failed(event, token, WebhookClient.reason(e)));
    }

    private Mono<Boolean> failed(WebhookEvent event, String token, String reason) {
        int attempt = event.attempts() + 1;
        boolean dead = attempt >= settings.maxAttempts();
        log.warn("webhook event {} ({}) attempt {} failed: {}{}", event.eventId(), event.type(), attempt, reason,
                dead ? " (dead)" : "");
        return events.failed(event.eventId(), token, reason, dead, settings.backoff(attempt)).thenReturn(false);
    }

    private Optional<String> webhookUrl(String tenantId) {
        return directory.byId(tenantId)
                .map(t -> t.runtimeConfig() == null ? null : t.runtimeConfig().webhookUrl())
                .filter(u -> !u.isBlank());
    }
}
