package dev.voiceagent.callbacks.sla;

import dev.voiceagent.support.BackgroundLoop;
import dev.voiceagent.callbacks.oncall.OnCallAlerts;
import dev.voiceagent.callbacks.reconcile.CallLogReconciler;
import dev.voiceagent.callbacks.task.TaskLifecycle;
import dev.voiceagent.callbacks.task.TaskRepository;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The queue's scheduled work, every {@code voice.callbacks.sweep-interval}: raise SLA notifications, expire tasks
 * long past due (when the policy says so), open tasks for completed calls without an outcome, request due on-call
 * SMS alerts, then refresh the SLA gauges ({@link CallbackQueueMetrics}). Webhook events are delivered apart
 * ({@link dev.voiceagent.callbacks.webhook.WebhookSweeper}), so a tenant's slow endpoint cannot hold this up.
 * A managed lifecycle bean: one tracked pipeline, started with the context and disposed when it stops; a failed
 * sweep is logged and the next tick runs.
 */
@Component
public class QueueSweeper extends BackgroundLoop {

    private static final Logger log = LoggerFactory.getLogger(QueueSweeper.class);

    private final TaskRepository tasks;
    private final SlaNotifier notifier;
    private final CallLogReconciler reconciler;
    private final OnCallAlerts alerts;
    private final TaskLifecycle lifecycle;
    private final QueuePolicyProperties policy;
    private final TransactionalOperator tx;
    private final CallbackQueueMetrics metrics;

    public QueueSweeper(TaskRepository tasks, SlaNotifier notifier, CallLogReconciler reconciler,
                        OnCallAlerts alerts, TaskLifecycle lifecycle,
                        QueuePolicyProperties policy, ReactiveTransactionManager transactions,
                        CallbackQueueMetrics metrics) {
        this.tasks = tasks;
        this.alerts = alerts;
        this.lifecycle = lifecycle;
        this.notifier = notifier;
        this.reconciler = reconciler;
        this.policy = policy;
        this.tx = TransactionalOperator.create(transactions);
        this.metrics = metrics;
    }

    /** One sweep; public so tests and operators can run it on demand. */
    public Mono<Void> sweep() {
        Instant now = Instant.now();
        return notifier.raise()
                .then(expire(now))
                .then(reconciler.openUnknownOutcomes(now))
                .then(alerts.requestDue())
                .then(refreshMetrics());
    }

    Mono<Void> refreshMetrics() {
        return tasks.countActiveBySla(policy.atRiskShare()).collectList().doOnNext(metrics::update).then();
    }

    Mono<Long> expire(Instant now) {
        QueuePolicyProperties.Expiry expiry = policy.expiry();
        if (!expiry.enabled()) {
            return Mono.just(0L);
        }
        return tx.transactional(tasks.expireDueBefore(now.minus(expiry.afterDue()), expiry.includeClaimed())
                        .concatMap(id -> lifecycle.record(id, TaskLifecycle.EXPIRED, "callback-service",
                                "still not done " + expiry.afterDue() + " after its due time").thenReturn(id))
                        .count())
                .doOnNext(n -> {
                    if (n > 0) {
                        log.info("expired {} callback tasks", n);
                    }
                });
    }

    @Override
    protected Flux<?> loop() {
        return Flux.interval(policy.sweepInterval(), policy.sweepInterval())
                .onBackpressureDrop()
                .concatMap(tick -> sweep().onErrorResume(e -> {
                    log.warn("callback queue sweep failed: {}", e.toString());
                    return Mono.empty();
                }), 1);
    }
}
