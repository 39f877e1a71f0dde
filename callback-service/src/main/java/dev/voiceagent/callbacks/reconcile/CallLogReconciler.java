package dev.voiceagent.callbacks.reconcile;

import dev.voiceagent.callbacks.sla.QueuePolicyProperties;
import dev.voiceagent.callbacks.task.CallbackTask;
import dev.voiceagent.callbacks.calls.CallCompletedNotifier;
import dev.voiceagent.callbacks.task.SlaPolicy;
import dev.voiceagent.callbacks.task.TaskLifecycle;
import dev.voiceagent.callbacks.task.TaskRepository;
import dev.voiceagent.contracts.CallEvents.CallCreated;
import dev.voiceagent.contracts.CallEvents.CallStatusChanged;
import dev.voiceagent.contracts.EventEnvelope;
import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.support.PhoneNumbers;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reconciles tasks with call logs: a call that ended {@code no-answer}, {@code busy}, {@code failed} or
 * {@code canceled} flags its active tasks (also tasks opened after the status arrived); a {@code completed} call
 * whose session sent no outcome within the grace period (counted from when this service saw the completion) opens a
 * task {@code unknown_outcome}, which an outcome arriving later still closes. Both kinds of call are reported to the
 * tenant's webhook as {@code voice.call.completed} without an outcome.
 */
@Component
public class CallLogReconciler {

    private static final Logger log = LoggerFactory.getLogger(CallLogReconciler.class);
    public static final Set<String> NOT_CONNECTED = Set.of("no-answer", "busy", "failed", "canceled");
    public static final String UNKNOWN_OUTCOME = "unknown_outcome";

    private final CallRecordRepository calls;
    private final TaskRepository tasks;
    private final SlaPolicy sla;
    private final QueuePolicyProperties policy;
    private final TransactionalOperator tx;
    private final TaskLifecycle lifecycle;
    private final CallCompletedNotifier callCompleted;

    public CallLogReconciler(CallRecordRepository calls, TaskRepository tasks, SlaPolicy sla,
                             QueuePolicyProperties policy, ReactiveTransactionManager transactions,
                             TaskLifecycle lifecycle, CallCompletedNotifier callCompleted) {
        this.calls = calls;
        this.lifecycle = lifecycle;
        this.callCompleted = callCompleted;
        this.tasks = tasks;
        this.sla = sla;
        this.policy = policy;
        this.tx = TransactionalOperator.create(transactions);
    }

    public Mono<Void> onCreated(EventEnvelope<?> envelope, CallCreated created) {
        boolean outbound = created.direction() != null && created.direction().toLowerCase(Locale.ROOT).startsWith("outbound");
        return calls.created(envelope.tenantId(), envelope.callSid(), created, outbound ? created.to() : created.from());
    }

    public Mono<Void> onStatus(EventEnvelope<?> envelope, CallStatusChanged changed) {
        String status = changed.status().toLowerCase(Locale.ROOT);
        Mono<Void> record = calls.status(envelope.tenantId(), envelope.callSid(), status, envelope.time(),
                changed.durationSeconds());
        if (!NOT_CONNECTED.contains(status)) {
            return record;
        }
        return tx.transactional(record.then(flag(envelope.tenantId(), envelope.callSid(), status))
                .then(callCompleted.withoutOutcome(envelope.tenantId(), envelope.callSid())).then());
    }

    /**
     * Notes the session's outcome and reports the call to the tenant's webhook, under the call's lock so that
     * reconciliation sees either both or neither. An outcome that arrives after reconciliation gave up on it closes the
     * {@code unknown_outcome} task: cancelled, unless the outcome asks for a callback, in which case the intake takes
     * the task over ({@link dev.voiceagent.callbacks.intake.TaskOpener#fromOutcome}) so the call keeps one task.
     */
    public Mono<Void> onOutcome(EventEnvelope<?> envelope, SessionOutcome outcome) {
        String tenantId = envelope.tenantId();
        String callSid = envelope.callSid();
        Mono<Void> close = outcome.outcome() == Outcome.CALLBACK_CREATED ? Mono.empty()
                : cancelUnknownOutcomeTask(tenantId, callSid, outcome.outcome().wire());
        return tx.transactional(tasks.lockCall(tenantId, callSid)
                .then(calls.outcome(tenantId, callSid, outcome.outcome().wire()))
                .then(close)
                .then(callCompleted.fromOutcome(envelope, outcome))
                .then());
    }

    private Mono<Void> cancelUnknownOutcomeTask(String tenantId, String callSid, String outcome) {
        return tasks.cancelReconciliationTasks(tenantId, callSid)
                .concatMap(id -> lifecycle.record(id, TaskLifecycle.CANCELLED, "callback-service",
                        "the call's outcome arrived late: " + outcome))
                .then();
    }

    /** For a task just opened: flags it if its call is already known not to have connected. */
    public Mono<Void> flagIfNotConnected(CallbackTask task) {
        if (task.callSid() == null) {
            return Mono.empty();
        }
        return calls.statusOf(task.callSid()).filter(NOT_CONNECTED::contains)
                .flatMap(status -> flag(task.tenantId(), task.callSid(), status));
    }

    private Mono<Void> flag(String tenantId, String callSid, String status) {
        String flag = "call_" + status.replace('-', '_');
        return tasks.flagCall(tenantId, callSid, flag)
                .concatMap(id -> tasks.addHistory(id, "flagged", "call-log", "the call ended " + status))
                .then();
    }

    /** Opens {@code unknown_outcome} tasks for completed calls without an outcome; answers how many. */
    public Mono<Long> openUnknownOutcomes(Instant now) {
        if (!policy.reconciliation().enabled()) {
            return Mono.just(0L);
        }
        return calls.completedWithoutOutcome(policy.reconciliation().unknownOutcomeAfter())
                .collectList()
                .flatMapMany(Flux::fromIterable)
                .concatMap(call -> tx.transactional(tasks.lockCall(call.tenantId(), call.callSid())
                        .then(reconcile(call, now))))
                .filter(Boolean::booleanValue)
                .count();
    }

    /**
     * Under the call's lock: the outcome may have arrived since the call was listed, and then there is nothing to do;
     * otherwise a task unless the call has one, and the call is reported without an outcome.
     */
    private Mono<Boolean> reconcile(CallRecordRepository.CompletedCall call, Instant now) {
        return calls.awaitingOutcome(call.callSid())
                .filter(Boolean::booleanValue)
                .flatMap(awaiting -> tasks.existsForCall(call.tenantId(), call.callSid()))
                .flatMap(exists -> exists ? Mono.just(false) : open(call, now).thenReturn(true))
                .flatMap(opened -> calls.reconciled(call.callSid())
                        .then(callCompleted.withoutOutcome(call.tenantId(), call.callSid()))
                        .thenReturn(opened))
                .defaultIfEmpty(false);
    }

    private Mono<Void> open(CallRecordRepository.CompletedCall call, Instant now) {
        String id = "task_" + UUID.nameUUIDFromBytes(("reconciliation:" + call.tenantId() + "/" + call.callSid())
                .getBytes(StandardCharsets.UTF_8)).toString().replace("-", "");
        CallbackTask task = new CallbackTask(id, null, call.tenantId(), call.callSid(), call.callerNumber(),
                UNKNOWN_OUTCOME, SlaPolicy.NORMAL, null, sla.dueAt(SlaPolicy.NORMAL, now), CallbackTask.OPEN, null,
                null, "reconciliation", null, null);
        log.info("opening task {} for call {} (caller {}): completed without an outcome", id, call.callSid(),
                PhoneNumbers.mask(call.callerNumber()));
        return tasks.insert(task).then(lifecycle.record(id, TaskLifecycle.OPENED, "reconciliation",
                "the call completed but its session reported no outcome"));
    }
}
