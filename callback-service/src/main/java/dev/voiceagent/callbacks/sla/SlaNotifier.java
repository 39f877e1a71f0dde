package dev.voiceagent.callbacks.notify;

import dev.voiceagent.callbacks.sla.QueuePolicyProperties;
import dev.voiceagent.callbacks.sla.SlaState;
import dev.voiceagent.callbacks.task.CallbackTask;
import dev.voiceagent.callbacks.task.TaskRepository;
import dev.voiceagent.contracts.EventCodec;
import dev.voiceagent.support.tenant.TenantDirectory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * SLA follow-ups: raises one {@code sla_at_risk} and one {@code sla_breached} notification per task (outbox row and
 * history entry in one transaction), then delivers due notifications to the tenant's {@code webhook_url} (runtime
 * config of its published view), signed with its secret, retried with exponential back-off until dead.
 */
@Component
public class SlaNotifier {

    private static final Logger log = LoggerFactory.getLogger(SlaNotifier.class);
    static final String AT_RISK = "sla_at_risk";
    static final String BREACHED = "sla_breached";

    private final TaskRepository tasks;
    private final NotificationRepository notifications;
    private final WebhookClient webhooks;
    private final TenantDirectory directory;
    private final QueuePolicyProperties policy;
    private final TransactionalOperator tx;

    public SlaNotifier(TaskRepository tasks, NotificationRepository notifications, WebhookClient webhooks,
                       TenantDirectory directory, QueuePolicyProperties policy, ReactiveTransactionManager transactions) {
        this.tasks = tasks;
        this.notifications = notifications;
        this.webhooks = webhooks;
        this.directory = directory;
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
        return tasks.needingNotification(state, kind, policy.atRiskShare())
                .concatMap(task -> tx.transactional(notifications.enqueue(notification(task, kind, state))
                        .filter(Boolean::booleanValue)
                        .flatMap(queued -> tasks.addHistory(task.id(), "notified", "callback-service", kind)
                                .thenReturn(true))));
    }

    /** Sends due notifications; answers how many were attempted. */
    public Mono<Long> deliver() {
        Duration lease = policy.notifications().timeout().multipliedBy(3);
        return notifications.leaseDue(50, lease).concatMap(this::deliver).count();
    }

    private Mono<Boolean> deliver(Notification n) {
        String url = directory.byId(n.tenantId()).map(t -> t.runtimeConfig() == null ? null : t.runtimeConfig().webhookUrl())
                .filter(u -> !u.isBlank()).orElse(null);
        String secret = policy.notifications().secretOf(n.tenantId());
        if (url == null || secret == null) {
            return notifications.skipped(n.eventId(), url == null ? "tenant has no webhook_url" : "no signing secret")
                    .thenReturn(false);
        }
        return webhooks.post(url, n, secret, policy.notifications().timeout())
                .then(notifications.delivered(n.eventId()))
                .doOnSuccess(v -> log.info("notification {} ({}) delivered for task {}", n.eventId(), n.kind(),
                        n.taskId()))
                .thenReturn(true)
                .onErrorResume(e -> failed(n, WebhookClient.reason(e)));
    }

    private Mono<Boolean> failed(Notification n, String reason) {
        int attempt = n.attempts() + 1;
        boolean dead = attempt >= policy.notifications().maxAttempts();
        log.warn("notification {} attempt {} failed: {}{}", n.eventId(), attempt, reason, dead ? " (dead)" : "");
        return notifications.failed(n.eventId(), reason, dead, backoff(attempt)).thenReturn(false);
    }

    /** Initial back-off doubled per attempt, capped. */
    Duration backoff(int attempt) {
        Duration initial = policy.notifications().initialBackoff();
        long factor = 1L << Math.min(20, Math.max(0, attempt - 1));
        Duration next = initial.multipliedBy(factor);
        return next.compareTo(policy.notifications().maxBackoff()) > 0 ? policy.notifications().maxBackoff() : next;
    }

    static Notification notification(CallbackTask task, String kind, SlaState state) {
        String eventId = UUID.nameUUIDFromBytes((task.id() + "/" + kind).getBytes(StandardCharsets.UTF_8)).toString();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("task_id", task.id());
        data.put("callback_id", task.callbackId());
        data.put("call_sid", task.callSid());
        data.put("reason", task.reason());
        data.put("priority", task.priority());
        data.put("status", task.status());
        data.put("owner", task.owner());
        data.put("due_at", task.dueAt().toString());
        data.put("sla_state", state.wire());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", eventId);
        body.put("type", "callback." + kind);
        body.put("time", Instant.now().toString());
        body.put("tenant_id", task.tenantId());
        body.put("data", data);
        return new Notification(eventId, task.tenantId(), task.id(), kind,
                EventCodec.mapper().writeValueAsString(body), 0);
    }
}
