package dev.voiceagent.callbacks.sla;

import dev.voiceagent.callbacks.oncall.OnCallAlerts;
import dev.voiceagent.callbacks.task.CallbackTask;
import dev.voiceagent.callbacks.task.TaskLifecycle;
import dev.voiceagent.callbacks.task.TaskRepository;
import dev.voiceagent.callbacks.webhook.TenantWebhooks;
import dev.voiceagent.callbacks.webhook.WebhookEvent;
import java.util.Map;
import org.springframework.stereotype.Component;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * SLA follow-ups: raises one {@code sla_at_risk} and one {@code sla_breached} notification per task — in one
 * transaction the webhook event ({@code callback.sla_*}, whose row is the record that it was raised), the SMS alert
 * to the tenant's on-call number and the history entry {@code notified} — so neither repeats, whatever the sweeps.
 */
@Component
public class SlaNotifier {

    static final String AT_RISK = "sla_at_risk";
    static final String BREACHED = "sla_breached";

    private final TaskRepository tasks;
    private final TenantWebhooks webhooks;
    private final OnCallAlerts alerts;
    private final QueuePolicyProperties policy;
    private final TransactionalOperator tx;

    public SlaNotifier(TaskRepository tasks, TenantWebhooks webhooks, OnCallAlerts alerts,
                       QueuePolicyProperties policy, ReactiveTransactionManager transactions) {
        this.tasks = tasks;
        this.webhooks = webhooks;
        this.alerts = alerts;
        this.policy = policy;
        this.tx = TransactionalOperator.create(transactions);
    }

    /** Raises the notifications tasks have earned since the last sweep; answers how many. */
    public Mono<Long> raise() {
        if (!policy.notifications().enabled()) {
            return Mono.just(0L);
        }
        return Flux.concat(raise(SlaState.BREACHED, BREACHED), raise(SlaState.AT_RISK, AT_RISK)).count();
    }

    private Flux<Boolean> raise(SlaState state, String kind) {
        return tasks.needingNotification(state, "callback." + kind, policy.atRiskShare())
                .concatMap(task -> tx.transactional(webhooks.queue(event(task, kind, state))
                        .filter(Boolean::booleanValue)
                        .flatMap(queued -> alerts.queue(task, kind, state)
                                .then(tasks.addHistory(task.id(), "notified", "callback-service", kind))
                                .thenReturn(true))));
    }

    static WebhookEvent event(CallbackTask task, String kind, SlaState state) {
        Map<String, Object> data = TaskLifecycle.data(task);
        data.put("sla_state", state.wire());
        return WebhookEvent.of(task.id() + "/" + kind, "callback." + kind, task.tenantId(), task.id(),
                task.callSid(), data);
    }
}
