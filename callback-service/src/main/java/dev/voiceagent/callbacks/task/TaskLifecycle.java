package dev.voiceagent.callbacks.task;

import dev.voiceagent.callbacks.webhook.TenantWebhooks;
import dev.voiceagent.callbacks.webhook.WebhookEvent;
import dev.voiceagent.support.PhoneNumbers;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Records a change in a task's life, in the caller's transaction: the history entry and, for a change of status
 * (opened, claimed, reassigned, completed, cancelled, expired), a {@code callback.task.<change>} event for the
 * tenant's webhook whose id derives from the history entry, so each change is reported exactly once.
 */
@Component
public class TaskLifecycle {

    public static final String OPENED = "opened";
    public static final String CLAIMED = "claimed";
    public static final String REASSIGNED = "reassigned";
    public static final String COMPLETED = "completed";
    public static final String CANCELLED = "cancelled";
    public static final String EXPIRED = "expired";

    /** History action → the event type's last part. */
    static final Map<String, String> CHANGES = Map.of(OPENED, "created", CLAIMED, "claimed", REASSIGNED,
            "reassigned", COMPLETED, "completed", CANCELLED, "cancelled", EXPIRED, "expired");

    private final TaskRepository tasks;
    private final TenantWebhooks webhooks;

    public TaskLifecycle(TaskRepository tasks, TenantWebhooks webhooks) {
        this.tasks = tasks;
        this.webhooks = webhooks;
    }

    /** Adds the history entry; a change of status also queues its webhook event (for a subscribed tenant). */
    public Mono<Void> record(String taskId, String action, String actor, String detail) {
        Mono<Long> entry = tasks.appendHistory(taskId, action, actor, detail);
        String change = CHANGES.get(action);
        if (change == null) {
            return entry.then();
        }
        return entry.flatMap(historyId -> tasks.findById(taskId)
                        .flatMap(task -> webhooks.queueIfSubscribed(event(task, change, historyId, actor, detail))))
                .then();
    }

    static WebhookEvent event(CallbackTask task, String change, long historyId, String actor, String detail) {
        Map<String, Object> data = data(task);
        data.put("actor", actor);
        data.put("detail", detail);
        return WebhookEvent.of("task-history/" + task.id() + "/" + historyId, WebhookEvent.TASK_PREFIX + change, task.tenantId(),
                task.id(), task.callSid(), data);
    }

    /** What a webhook says about a task: no full phone number (the task API has it for the tenant's key). */
    public static Map<String, Object> data(CallbackTask task) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("task_id", task.id());
        data.put("callback_id", task.callbackId());
        data.put("call_sid", task.callSid());
        data.put("caller_number_masked", task.callerNumber() == null ? null : PhoneNumbers.mask(task.callerNumber()));
        data.put("reason", task.reason());
        data.put("priority", task.priority());
        data.put("status", task.status());
        data.put("owner", task.owner());
        data.put("disposition", task.disposition());
        data.put("due_at", task.dueAt().toString());
        data.put("source", task.source());
        data.put("flag", task.flag());
        return data;
    }
}
