package dev.voiceagent.callbacks.queue;

import dev.voiceagent.support.tenant.TenantAuthenticator;
import dev.voiceagent.callbacks.sla.QueuePolicyProperties;
import dev.voiceagent.callbacks.sla.SlaState;
import dev.voiceagent.callbacks.task.CallbackTask;
import dev.voiceagent.callbacks.task.HistoryEntry;
import dev.voiceagent.callbacks.task.SlaPolicy;
import dev.voiceagent.callbacks.task.TaskLifecycle;
import dev.voiceagent.callbacks.task.TaskRepository;
import dev.voiceagent.contracts.TenantConfigPublished;
import dev.voiceagent.support.Problems;
import dev.voiceagent.support.QueryParams;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.support.RouteDescription.ParameterType;
import java.util.Arrays;
import java.time.Instant;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The tenant's callback queue ({@code x-api-key}): {@code GET /api/v1/callbacks?status=&sla=&owner=&limit=&offset=},
 * {@code GET /api/v1/callbacks/{id}} (with history), {@code POST /api/v1/callbacks/{id}/claim} {@code {owner}},
 * {@code POST …/complete} {@code {owner, disposition?}}, {@code POST …/reassign} {@code {owner, actor?}} and
 * {@code POST …/cancel} {@code {actor?, reason?}}. Another tenant's task is 404; a change the task's state does not
 * allow (lost claim, closed task) is 409.
 */
@Configuration
public class CallbackQueueHandler {

    private static final List<String> STATUSES = List.of(CallbackTask.OPEN, CallbackTask.CLAIMED, CallbackTask.DONE,
            CallbackTask.EXPIRED, CallbackTask.CANCELLED);
    private static final int MAX_LIMIT = 200;

    private final TaskRepository tasks;
    private final TenantAuthenticator tenants;
    private final TransactionalOperator tx;
    private final double atRiskShare;
    private final SlaPolicy sla;
    private final TaskLifecycle lifecycle;

    public CallbackQueueHandler(TaskRepository tasks, TenantAuthenticator tenants, ReactiveTransactionManager transactions,
                                QueuePolicyProperties policy, SlaPolicy sla, TaskLifecycle lifecycle) {
        this.sla = sla;
        this.lifecycle = lifecycle;
        this.tasks = tasks;
        this.tenants = tenants;
        this.tx = TransactionalOperator.create(transactions);
        this.atRiskShare = policy.atRiskShare();
    }

    @Bean
    RouterFunction<ServerResponse> callbackRoutes() {
        return RouterFunctions.route()
                .GET("/api/v1/callbacks", this::list)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("The tenant's callback tasks, "
                                + "soonest due first")
                        .query("status", "only tasks in this status", STATUSES)
                        .query("sla", "only tasks in this SLA state",
                                Arrays.stream(SlaState.values()).map(SlaState::wire).toList())
                        .query("owner", ParameterType.STRING, "only tasks held by this owner")
                        .query("limit", ParameterType.INTEGER, "page size, 1-" + MAX_LIMIT + " (default 50)")
                        .query("offset", ParameterType.INTEGER, "tasks to skip (default 0)")
                        .answers(Body.json(TaskPage.class)))
                .GET("/api/v1/callbacks/{id}", this::get)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("One callback task with its history")
                        .answers(Body.json(TaskView.class)))
                .POST("/api/v1/callbacks/{id}/claim", this::claim)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Claim an open task for owner "
                                + "(disposition is not read); a repeat by the holder succeeds, anything else is 409")
                        .accepts(Body.json(CompleteBody.class)).answers(Body.json(TaskView.class)))
                .POST("/api/v1/callbacks/{id}/complete", this::complete)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Complete a task its owner holds, "
                                + "with an optional disposition")
                        .accepts(Body.json(CompleteBody.class)).answers(Body.json(TaskView.class)))
                .POST("/api/v1/callbacks/{id}/reassign", this::reassign)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Give a task to another owner; actor "
                                + "(default: the new owner) is recorded in the history; reason is not read")
                        .accepts(Body.json(ChangeBody.class)).answers(Body.json(TaskView.class)))
                .POST("/api/v1/callbacks/{id}/cancel", this::cancel)
                .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("Cancel a task; actor (default api) "
                                + "and reason are recorded in the history; owner is not read")
                        .accepts(Body.json(ChangeBody.class).optional()).answers(Body.json(TaskView.class)))
                .build();
    }

    Mono<ServerResponse> list(ServerRequest request) {
        String status = request.queryParam("status").orElse(null);
        if (status != null && !STATUSES.contains(status)) {
            return Mono.error(Problems.invalidField("status", "must be one of open, claimed, done, expired, cancelled"));
        }
        String slaParam = request.queryParam("sla").orElse(null);
        SlaState slaState = slaParam == null ? null : SlaState.fromWire(slaParam).orElse(null);
        if (slaParam != null && slaState == null) {
            return Mono.error(Problems.invalidField("sla", "must be one of on_track, at_risk, breached"));
        }
        String owner = request.queryParam("owner").filter(o -> !o.isBlank()).orElse(null);
        int limit = QueryParams.intParam(request, "limit", 50, 1, MAX_LIMIT);
        int offset = QueryParams.intParam(request, "offset", 0, 0, Integer.MAX_VALUE);
        Instant now = Instant.now();
        return tenants.tenant(request)
                .flatMap(tenant -> tasks.list(tenant.tenantId(), status, slaState, owner, atRiskShare, limit, offset)
                        .map(task -> TaskView.of(task, sla.window(task.priority()), now, atRiskShare, null)).collectList())
                .flatMap(items -> json(new TaskPage(items, limit, offset)));
    }

    Mono<ServerResponse> get(ServerRequest request) {
        String id = request.pathVariable("id");
        return tenants.tenant(request)
                .flatMap(tenant -> withHistory(tenant.tenantId(), id))
                .flatMap(CallbackQueueHandler::json);
    }

    Mono<ServerResponse> claim(ServerRequest request) {
        String id = request.pathVariable("id");
        return tenants.tenant(request)
                .zipWith(owner(request))
                .flatMap(t -> claim(t.getT1(), id, t.getT2().owner()))
                .flatMap(CallbackQueueHandler::json);
    }

    Mono<ServerResponse> complete(ServerRequest request) {
        String id = request.pathVariable("id");
        return tenants.tenant(request)
                .zipWith(owner(request))
                .flatMap(t -> complete(t.getT1(), id, t.getT2()))
                .flatMap(CallbackQueueHandler::json);
    }

    private Mono<TaskView> claim(TenantConfigPublished tenant, String id, String owner) {
        Mono<Long> claimed = tasks.claim(tenant.tenantId(), id, owner)
                .flatMap(n -> n == 0 ? Mono.just(n) : lifecycle.record(id, TaskLifecycle.CLAIMED, owner, null).thenReturn(n));
        return tx.transactional(claimed)
                .flatMap(n -> n > 0 ? withHistory(tenant.tenantId(), id) : explainClaim(tenant.tenantId(), id, owner));
    }

    /** A claim that changed nothing: a repeat by the holder is answered as a success, anything else is 404/409. */
    private Mono<TaskView> explainClaim(String tenantId, String id, String owner) {
        return tasks.find(tenantId, id)
                .switchIfEmpty(Mono.error(Problems.notFound("No callback " + id + ".")))
                .flatMap(task -> CallbackTask.CLAIMED.equals(task.status()) && owner.equals(task.owner())
                        ? withHistory(tenantId, id)
                        : Mono.error(Problems.conflict(conflict(task))));
    }

    private Mono<TaskView> complete(TenantConfigPublished tenant, String id, CompleteBody body) {
        Mono<Long> done = tasks.complete(tenant.tenantId(), id, body.owner(), body.disposition())
                .flatMap(n -> n == 0 ? Mono.just(n)
                        : lifecycle.record(id, TaskLifecycle.COMPLETED, body.owner(), body.disposition()).thenReturn(n));
        return tx.transactional(done)
                .flatMap(n -> n > 0 ? withHistory(tenant.tenantId(), id)
                        : tasks.find(tenant.tenantId(), id)
                                .switchIfEmpty(Mono.error(Problems.notFound("No callback " + id + ".")))
                                .flatMap(task -> Mono.error(Problems.conflict(conflict(task)))));
    }

    Mono<ServerResponse> reassign(ServerRequest request) {
        String id = request.pathVariable("id");
        return tenants.tenant(request)
                .zipWith(request.bodyToMono(ChangeBody.class)
                        .filter(b -> b.owner() != null && !b.owner().isBlank() && b.owner().length() <= 200)
                        .switchIfEmpty(Mono.error(() -> Problems.invalidField("owner",
                                "is required (at most 200 characters)"))))
                .flatMap(t -> reassign(t.getT1().tenantId(), id, t.getT2()))
                .flatMap(CallbackQueueHandler::json);
    }

    Mono<ServerResponse> cancel(ServerRequest request) {
        String id = request.pathVariable("id");
        return tenants.tenant(request)
                .zipWith(request.bodyToMono(ChangeBody.class).defaultIfEmpty(new ChangeBody(null, null, null)))
                .flatMap(t -> cancel(t.getT1().tenantId(), id, t.getT2()))
                .flatMap(CallbackQueueHandler::json);
    }

    private Mono<TaskView> reassign(String tenantId, String id, ChangeBody body) {
        String owner = body.owner().trim();
        String actor = blankTo(body.actor(), owner);
        Mono<Boolean> changed = tasks.reassign(tenantId, id, owner)
                .flatMap(previous -> lifecycle.record(id, TaskLifecycle.REASSIGNED, actor,
                        (previous.isEmpty() ? "unassigned" : previous) + " -> " + owner).thenReturn(true))
                .defaultIfEmpty(false);
        return tx.transactional(changed).flatMap(ok -> ok ? withHistory(tenantId, id) : refuse(tenantId, id));
    }

    private Mono<TaskView> cancel(String tenantId, String id, ChangeBody body) {
        Mono<Long> cancelled = tasks.cancel(tenantId, id)
                .flatMap(n -> n == 0 ? Mono.just(n)
                        : lifecycle.record(id, TaskLifecycle.CANCELLED, blankTo(body.actor(), "api"),
                                body.reason()).thenReturn(n));
        return tx.transactional(cancelled).flatMap(n -> n > 0 ? withHistory(tenantId, id) : refuse(tenantId, id));
    }

    /** A change that did not apply: 404 for a task the tenant does not have, else 409 with why. */
    private Mono<TaskView> refuse(String tenantId, String id) {
        return tasks.find(tenantId, id)
                .switchIfEmpty(Mono.error(Problems.notFound("No callback " + id + ".")))
                .flatMap(task -> Mono.error(Problems.conflict(conflict(task))));
    }

    private static String blankTo(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    private Mono<TaskView> withHistory(String tenantId, String id) {
        return tasks.find(tenantId, id)
                .switchIfEmpty(Mono.error(Problems.notFound("No callback " + id + ".")))
                .zipWhen(task -> tasks.history(task.id()).collectList())
                .map(t -> TaskView.of(t.getT1(), sla.window(t.getT1().priority()), Instant.now(), atRiskShare, t.getT2()));
    }

    private static String conflict(CallbackTask task) {
        return switch (task.status()) {
            case CallbackTask.DONE -> "The callback is already done.";
            case CallbackTask.EXPIRED -> "The callback has expired.";
            case CallbackTask.CANCELLED -> "The callback was cancelled.";
            default -> "The callback is held by " + task.owner() + ".";
        };
    }

    private static Mono<CompleteBody> owner(ServerRequest request) {
        return request.bodyToMono(CompleteBody.class)
                .switchIfEmpty(Mono.error(Problems.invalidField("owner", "is required")))
                .flatMap(body -> body.owner() == null || body.owner().isBlank() || body.owner().length() > 200
                        ? Mono.error(Problems.invalidField("owner", "is required (at most 200 characters)"))
                        : Mono.just(new CompleteBody(body.owner().trim(), body.disposition())));
    }


    private static Mono<ServerResponse> json(Object body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }

    /** One page of tasks. */
    public record TaskPage(List<TaskView> callbacks, int limit, int offset) {
    }

    /** Body of claim ({@code owner}) and complete ({@code owner, disposition?}). */
    record CompleteBody(String owner, String disposition) {
    }

    /** Body of reassign ({@code owner, actor?}) and cancel ({@code actor?, reason?}). */
    record ChangeBody(String owner, String actor, String reason) {
    }

    /**
     * The public shape of a task; {@code sla_state} only while it is open or claimed, {@code flag} when
     * reconciliation found something, {@code history} only on the single-task read.
     */
    public record TaskView(String id, String callbackId, String callSid, String callerNumber, String reason,
                           String priority, Instant preferredTime, Instant dueAt, boolean overdue, String slaState,
                           String status, String owner, String disposition, String source, String flag,
                           Instant createdAt, Instant updatedAt, List<HistoryEntry> history) {

        static TaskView of(CallbackTask t, java.time.Duration window, Instant now, double atRiskShare,
                           List<HistoryEntry> history) {
            SlaState sla = SlaState.of(t, window, now, atRiskShare);
            boolean overdue = !CallbackTask.DONE.equals(t.status()) && t.dueAt().isBefore(now);
            return new TaskView(t.id(), t.callbackId(), t.callSid(), t.callerNumber(), t.reason(), t.priority(),
                    t.preferredTime(), t.dueAt(), overdue, sla == null ? null : sla.wire(), t.status(), t.owner(),
                    t.disposition(), t.source(), t.flag(), t.createdAt(), t.updatedAt(), history);
        }
    }
}
