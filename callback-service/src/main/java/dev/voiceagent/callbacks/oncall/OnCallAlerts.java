package dev.voiceagent.callbacks.oncall;

import dev.voiceagent.callbacks.sla.QueuePolicyProperties;
import dev.voiceagent.callbacks.sla.SlaState;
import dev.voiceagent.callbacks.task.CallbackTask;
import dev.voiceagent.callbacks.task.TaskRepository;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.ToolEvents.ToolCompleted;
import dev.voiceagent.contracts.ToolEvents.ToolRequested;
import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.PhoneNumbers;
import dev.voiceagent.support.tenant.TenantDirectory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * SMS alerts to the tenant's {@code on_call_number} (runtime config of its published view) when a task is at risk
 * or breached, sent by the tool executor's {@code sms} tool: queued with the SLA notification, published as a
 * {@code voice.tool.requested} from this service (which the executor allows only towards that number), and closed
 * by the executor's {@code voice.tool.completed}. The tool call id derives from task and kind, and the executor
 * runs a tool call id once, so a request published twice is still one text.
 */
@Component
public class OnCallAlerts {

    /** Tool call ids of on-call alerts start with this; results with other ids are not ours. */
    public static final String TOOL_CALL_PREFIX = "oncall_";
    private static final Logger log = LoggerFactory.getLogger(OnCallAlerts.class);
    private static final int MAX_REASON_CHARS = 160;

    private final OnCallAlertRepository alerts;
    private final TaskRepository tasks;
    private final TenantDirectory directory;
    private final EventPublisher events;
    private final QueuePolicyProperties.OnCallSms settings;

    public OnCallAlerts(OnCallAlertRepository alerts, TaskRepository tasks, TenantDirectory directory,
                        EventPublisher events, QueuePolicyProperties policy) {
        this.alerts = alerts;
        this.tasks = tasks;
        this.directory = directory;
        this.events = events;
        this.settings = policy.onCallSms();
    }

    /**
     * Queues the alert for a task that just became at risk or breached ({@code kind} of its SLA notification), if
     * the tenant has an on-call number.
     */
    public Mono<Boolean> queue(CallbackTask task, String kind, SlaState state) {
        Optional<String> number = onCallNumber(task.tenantId());
        if (!settings.enabled() || number.isEmpty()) {
            return Mono.just(false);
        }
        return alerts.enqueue(new OnCallAlert(toolCallId(task.id(), kind), task.tenantId(), task.id(), task.callSid(),
                kind, number.get(), body(task, state), 0));
    }

    /** Publishes the due alerts' tool requests; answers how many were published. */
    public Mono<Long> requestDue() {
        return alerts.leaseDue(50, Duration.ofSeconds(30)).concatMap(this::request).filter(Boolean::booleanValue)
                .count();
    }

    private Mono<Boolean> request(OnCallAlert alert) {
        ToolRequested request = new ToolRequested(alert.toolCallId(), ToolName.SMS.wire(),
                Map.of("to", alert.toNumber(), "body", alert.body()), null, null, null, null);
        return events.publish(EventEnvelope.of(events.source(), alert.tenantId(), alert.callSid(), request))
                .then(alerts.requested(alert.toolCallId()))
                .doOnSuccess(v -> log.info("on-call SMS {} for task {} ({}) requested to {}", alert.toolCallId(),
                        alert.taskId(), alert.kind(), PhoneNumbers.mask(alert.toNumber())))
                .thenReturn(true)
                .onErrorResume(e -> {
                    log.warn("on-call SMS {} not requested: {}", alert.toolCallId(), e.toString());
                    return alerts.notRequested(alert.toolCallId(), e.getClass().getSimpleName(), settings.retry())
                            .thenReturn(false);
                });
    }

    /** Records the executor's answer to an alert on the task's history (once, however often it is resent). */
    public Mono<Void> answered(ToolCompleted completed) {
        boolean sent = ToolCompleted.OK.equals(completed.status());
        String result = sent ? "sent" : completed.status() + ": " + completed.reason();
        return alerts.answered(completed.toolCallId(), sent, result)
                .flatMap(taskId -> tasks.addHistory(taskId, sent ? "on_call_sms_sent" : "on_call_sms_failed",
                        "tool-executor-service", result));
    }

    private Optional<String> onCallNumber(String tenantId) {
        return directory.byId(tenantId)
                .map(t -> t.runtimeConfig() == null ? null : t.runtimeConfig().onCallNumber())
                .filter(PhoneNumbers::isE164);
    }

    static String body(CallbackTask task, SlaState state) {
        String reason = task.reason().length() <= MAX_REASON_CHARS ? task.reason()
                : task.reason().substring(0, MAX_REASON_CHARS - 1) + "…";
        return "Callback " + task.id() + " (" + task.priority() + ") "
                + (state == SlaState.BREACHED ? "is past due" : "is at risk") + ", due "
                + task.dueAt().truncatedTo(ChronoUnit.MINUTES) + ": " + reason;
    }

    /** Deterministic per task and kind: the executor's idempotency key for this alert. */
    static String toolCallId(String taskId, String kind) {
        return TOOL_CALL_PREFIX + UUID.nameUUIDFromBytes((taskId + "/" + kind).getBytes(StandardCharsets.UTF_8))
                .toString().replace("-", "");
    }
}
