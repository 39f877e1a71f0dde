package dev.voiceagent.callbacks.intake;

import dev.voiceagent.support.PhoneNumbers;
import dev.voiceagent.callbacks.reconcile.CallLogReconciler;
import dev.voiceagent.callbacks.task.CallbackTask;
import dev.voiceagent.callbacks.task.SlaPolicy;
import dev.voiceagent.callbacks.task.TaskLifecycle;
import dev.voiceagent.callbacks.task.TaskRepository;
import dev.voiceagent.contracts.CallbackRequested;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.SessionOutcome;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * Opens tasks idempotently. A callback request opens one task per {@code callback_id}; a {@code callback_created}
 * outcome opens one only when its call has no task yet, and takes over the call's {@code unknown_outcome} task when
 * it arrives after reconciliation opened one. Both run under a per-call advisory lock, so whichever
 * arrives second sees the first: a request arriving after an outcome-made task fills that task in instead of
 * opening a second one.
 */
@Component
public class TaskOpener {

    private static final Logger log = LoggerFactory.getLogger(TaskOpener.class);
    static final String DEFAULT_REASON = "The caller asked to be called back.";

    private final TaskRepository tasks;
    private final SlaPolicy sla;
    private final TransactionalOperator tx;
    private final CallLogReconciler reconciler;
    private final TaskLifecycle lifecycle;

    public TaskOpener(TaskRepository tasks, SlaPolicy sla, ReactiveTransactionManager transactions,
                      CallLogReconciler reconciler, TaskLifecycle lifecycle) {
        this.tasks = tasks;
        this.lifecycle = lifecycle;
        this.sla = sla;
        this.reconciler = reconciler;
        this.tx = TransactionalOperator.create(transactions);
    }

    public Mono<Void> fromRequest(EventEnvelope<?> envelope, CallbackRequested request) {
        String priority = sla.priority(request.priority());
        CallbackTask task = new CallbackTask(taskId("callback:" + request.callbackId()), request.callbackId(),
                envelope.tenantId(), envelope.callSid(), request.callerNumber(),
                blankToDefault(request.reason()), priority, request.preferredTime(),
                sla.dueAt(priority, envelope.time()), CallbackTask.OPEN, null, null, "tool", null, null);
        Mono<Void> open = tasks.findByCallbackId(request.callbackId())
                .map(existing -> false)
                .switchIfEmpty(Mono.defer(() -> adoptOrInsert(task)))
                .then();
        return tx.transactional(tasks.lockCall(task.tenantId(), task.callSid()).then(open));
    }

    public Mono<Void> fromOutcome(EventEnvelope<?> envelope, SessionOutcome outcome) {
        String reason = firstNonBlank(outcome.escalationReason(), outcome.summary(), DEFAULT_REASON);
        CallbackTask task = new CallbackTask(taskId("outcome:" + envelope.tenantId() + "/" + envelope.callSid()), null,
                envelope.tenantId(), envelope.callSid(), outcome.callerNumber(), reason, SlaPolicy.NORMAL, null,
                sla.dueAt(SlaPolicy.NORMAL, envelope.time()), CallbackTask.OPEN, null, null, "outcome", null, null);
        Mono<Void> open = tasks.existsForCall(task.tenantId(), task.callSid())
                .flatMap(exists -> exists ? takeOverUnknownOutcome(task, envelope.source())
                        : insert(task, "opened from the call's outcome"));
        return tx.transactional(tasks.lockCall(task.tenantId(), task.callSid()).then(open));
    }

    /** The outcome came after reconciliation opened a task for want of it: that task becomes the outcome's. */
    private Mono<Void> takeOverUnknownOutcome(CallbackTask task, String actor) {
        return tasks.adoptReconciliationTask(task)
                .flatMap(id -> tasks.addHistory(id, "merged", actor, "the call's outcome arrived late: "
                        + task.reason()));
    }

    private Mono<Boolean> adoptOrInsert(CallbackTask task) {
        Mono<Boolean> adopt = task.callSid() == null ? Mono.empty()
                // read to the end, not cancelled at the first match: see TaskRepository#existsForCall
                : tasks.findByCall(task.tenantId(), task.callSid())
                        .filter(t -> t.callbackId() == null).collectList()
                        .flatMap(open -> open.isEmpty() ? Mono.empty() : Mono.just(open.get(0)))
                        .flatMap(existing -> tasks.adopt(existing.id(), task)
                                .then(tasks.addHistory(existing.id(), "merged", "tool-executor-service",
                                        "callback " + task.callbackId() + ": " + task.reason()))
                                .thenReturn(true));
        return adopt.switchIfEmpty(Mono.defer(() -> insert(task, task.reason()).thenReturn(true)));
    }

    private Mono<Void> insert(CallbackTask task, String detail) {
        log.info("opening callback task {} ({}, due {}) for call {} (caller {})", task.id(), task.priority(),
                task.dueAt(), task.callSid(), PhoneNumbers.mask(task.callerNumber()));
        return tasks.insert(task).then(lifecycle.record(task.id(), TaskLifecycle.OPENED, task.source(), detail))
                .then(reconciler.flagIfNotConnected(task));
    }

    private static String taskId(String seed) {
        return "task_" + UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString().replace("-", "");
    }

    private static String blankToDefault(String reason) {
        return firstNonBlank(reason, DEFAULT_REASON);
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
