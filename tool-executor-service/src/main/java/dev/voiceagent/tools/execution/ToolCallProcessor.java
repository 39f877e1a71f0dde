package dev.voiceagent.tools.execution;

import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.tools.execution.ToolCallRepository.StoredToolCall;
import dev.voiceagent.tools.scope.PaymentRequests;
import dev.voiceagent.tools.scope.ServiceRequests;
import dev.voiceagent.tools.scope.ToolScope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs one tool call exactly once: a stored result is resent as it is; a copy of a call that is still running (on
 * this instance or another) waits for its result; otherwise the call is claimed, a request too old for its answer
 * to reach the bridge in time is answered {@code timeout} unrun, the scope is checked (the agent contract's for a call's model,
 * {@link ServiceRequests} for a service acting on its own), the tool runs under a timeout, the first result is stored
 * and then sent to the bridge and to analytics.
 */
@Component
public class ToolCallProcessor {

    private static final Logger log = LoggerFactory.getLogger(ToolCallProcessor.class);
    /** The media bridge's hand-overs ({@code VoiceSession.handOver}) have tool call ids that start with this. */
    static final String HANDOVER_PREFIX = "handover-";
    /** How long a claim outlives the tool's timeout: room to store the result when the database is slow. */
    private static final Duration CLAIM_MARGIN = Duration.ofSeconds(5);
    private static final Duration CLAIM_POLL_INTERVAL = Duration.ofMillis(100);
    /** A copy waits out the claim it found, then takes it over if it expired; twice at most. */
    private static final int CLAIM_ROUNDS = 2;

    private final Map<ToolName, Tool> tools = new EnumMap<>(ToolName.class);
    /** Tool calls being answered on this instance: a copy joins the first rather than polling the database. */
    private final Map<InFlight, Mono<StoredToolCall>> inFlight = new ConcurrentHashMap<>();
    private final TenantDirectory tenants;
    private final ToolCallRepository repository;
    private final ToolResultPublisher publisher;
    private final ToolExecutorProperties properties;
    private final MeterRegistry meters;

    public ToolCallProcessor(List<Tool> tools, TenantDirectory tenants, ToolCallRepository repository,
                             ToolResultPublisher publisher, ToolExecutorProperties properties, MeterRegistry meters) {
        tools.forEach(tool -> this.tools.put(tool.name(), tool));
        this.tenants = tenants;
        this.repository = repository;
        this.publisher = publisher;
        this.properties = properties;
        this.meters = meters;
    }

    /** Answers one delivery of a tool request: every copy is answered, with the one result of its tool call. */
    public Mono<Void> process(ToolCall call) {
        InFlight key = new InFlight(call.tenantId(), call.request().toolCallId());
        // cache(): the copies share one answer, and the first runs to its end even if its own delivery goes away
        return Mono.defer(() -> inFlight.computeIfAbsent(key,
                        k -> answer(call).doFinally(signal -> inFlight.remove(k)).cache()))
                .flatMap(stored -> publisher.publish(stored, call.request().replyTopic()));
    }

    /** The stored result; else this delivery's own execution once it holds the claim; else the claim holder's. */
    private Mono<StoredToolCall> answer(ToolCall call) {
        return repository.find(call.tenantId(), call.request().toolCallId())
                .doOnNext(stored -> log.info("tool call {} already answered ({}); resending the stored result",
                        stored.toolCallId(), stored.result().status()))
                .switchIfEmpty(Mono.defer(() -> claimed(call, CLAIM_ROUNDS)));
    }

    private Mono<StoredToolCall> claimed(ToolCall call, int rounds) {
        String eventId = UUID.randomUUID().toString();
        return repository.claim(call, eventId, claimLease(call))
                .flatMap(claimed -> claimed ? executeAndStore(call, eventId) : claimHolders(call, rounds));
    }

    /**
     * The result of the execution that holds the claim (on another instance, or before a restart of this one), looked
     * for until the claim has expired; then the claim is taken over, or, if another copy took it first, waited out
     * once more. A copy that still finds no result answers nothing: the claim holder answers.
     */
    private Mono<StoredToolCall> claimHolders(ToolCall call, int rounds) {
        log.info("tool call {} is being run elsewhere; waiting for its result", call.request().toolCallId());
        int polls = (int) (claimLease(call).toMillis() / CLAIM_POLL_INTERVAL.toMillis()) + 1;
        return Flux.range(0, polls)
                .concatMap(poll -> Mono.delay(CLAIM_POLL_INTERVAL)
                        .then(repository.find(call.tenantId(), call.request().toolCallId())))
                .next()
                .switchIfEmpty(Mono.defer(() -> rounds > 1 ? claimed(call, rounds - 1) : unanswered(call)));
    }

    private Mono<StoredToolCall> unanswered(ToolCall call) {
        log.warn("tool call {}: another execution still holds it after {} ms; this copy is not answered",
                call.request().toolCallId(), claimLease(call).multipliedBy(CLAIM_ROUNDS).toMillis());
        return Mono.empty();
    }

    private Mono<StoredToolCall> executeAndStore(ToolCall call, String eventId) {
        if (expired(call, Instant.now(), maxRequestAge(call))) {
            return repository.storeFirst(tooLate(call, eventId));
        }
        long started = System.nanoTime();
        return decide(call)
                .map(result -> stored(call, result, Duration.ofNanos(System.nanoTime() - started), eventId))
                .doOnNext(stored -> log.info("tool call {} {} -> {} in {} ms", stored.toolCallId(), stored.tool(),
                        stored.result().status(), stored.latencyMs()))
                .flatMap(repository::storeFirst);
    }

    /**
     * Whether a request is older than {@code maxAge}: its answer could reach the bridge after the bridge stopped
     * waiting and told the caller that the tool did not answer, so running it now could act behind the caller's back
     * ({@code maxAge} leaves room for the tool's own timeout and for clocks that disagree: {@link
     * ToolExecutorProperties}). Hand-overs run however late: the
     * bridge asks a hand-over once more with the same id when its answer is late, and wants what happened to the first
     * (an answer stored as {@code timeout} here would end the call it promised to hand over). Service requests run
     * however late: no caller waits for them. A request of unknown age runs.
     */
    static boolean expired(ToolCall call, Instant now, Duration maxAge) {
        return call.requestedAt() != null
                && !call.request().toolCallId().startsWith(HANDOVER_PREFIX)
                && !ServiceRequests.isServiceRequest(call.source())
                && Duration.between(call.requestedAt(), now).compareTo(maxAge) > 0;
    }

    /** {@code voice.tools.expired{tool}} counts requests answered {@code timeout} for their age, without running. */
    private StoredToolCall tooLate(ToolCall call, String eventId) {
        long ageMs = Duration.between(call.requestedAt(), Instant.now()).toMillis();
        log.warn("tool call {} {} not run: requested {} ms ago, beyond voice.tools.max-request-age ({} ms)",
                call.request().toolCallId(), call.request().tool(), ageMs, maxRequestAge(call).toMillis());
        Counter.builder("voice.tools.expired")
                .description("Tool requests answered timeout without running: older than voice.tools.max-request-age")
                .tag("tool", toolTag(call.request().tool()))
                .register(meters)
                .increment();
        return new StoredToolCall(call.tenantId(), call.request().toolCallId(), call.callSid(), call.request().tool(),
                ToolResult.timedOut("That request reached me too late, so I did not do it. Please ask again."), 0,
                eventId);
    }

    private StoredToolCall stored(ToolCall call, ToolResult result, Duration latency, String eventId) {
        recordLatency(call.request().tool(), result.status(), latency);
        return new StoredToolCall(call.tenantId(), call.request().toolCallId(), call.callSid(),
                call.request().tool(), result, latency.toMillis(), eventId);
    }

    /**
     * {@code voice.tools.latency{tool,status}}: executed calls only (a resent stored result is not timed again);
     * a tool name the platform does not know is tagged {@code unknown} so the model cannot grow the label set.
     */
    private void recordLatency(String tool, String status, Duration latency) {
        Timer.builder("voice.tools.latency")
                .description("Tool call latency, from the scope check to the tool's result")
                .tag("tool", toolTag(tool))
                .tag("status", status)
                .publishPercentileHistogram()
                .register(meters)
                .record(latency);
    }

    private static String toolTag(String tool) {
        return ToolName.find(tool).map(ToolName::wire).orElse("unknown");
    }

    private Mono<ToolResult> decide(ToolCall call) {
        if (ServiceRequests.isServiceRequest(call.source())) {
            ToolScope.Decision decision = ServiceRequests.check(tenants.byId(call.tenantId()), call.request().tool(),
                    call.argument("to"));
            return decision instanceof ToolScope.Allowed allowed ? run(allowed.tool(), call)
                    : Mono.just(ToolResult.denied(((ToolScope.Denied) decision).reason()));
        }
        ToolScope.Decision decision = ToolScope.check(tenants.byId(call.tenantId()),
                call.request().agentVersionId(), call.request().intent(), call.request().tool());
        if (decision instanceof ToolScope.Allowed allowed) {
            if (PaymentRequests.isPaymentRequest(allowed.tool(), call.request().intent(), call.arguments())) {
                log.info("tool call {} ({}) refused: payment request", call.request().toolCallId(), allowed.tool().wire());
                return Mono.just(ToolResult.refused("payment", PaymentRequests.REFUSAL));
            }
            return run(allowed.tool(), call);
        }
        return Mono.just(ToolResult.denied(((ToolScope.Denied) decision).reason()));
    }

    private Mono<ToolResult> run(ToolName name, ToolCall call) {
        Tool tool = tools.get(name);
        if (name.inCall()) {
            return Mono.just(ToolResult.denied("Pressing keys happens in the call itself, not through a request."));
        }
        if (tool == null) {
            return Mono.just(ToolResult.failed("I can't do that yet: " + name.wire()
                    + " is not available yet. I can arrange a callback instead."));
        }
        return Mono.defer(() -> tool.execute(call))
                .timeout(properties.timeoutFor(tool.callsTwilio()))
                .onErrorResume(TimeoutException.class, e -> Mono.just(ToolResult.timedOut(
                        "That is taking too long right now. Please try again in a moment.")))
                .onErrorResume(e -> !(e instanceof TimeoutException), e -> failure(call, e));
    }

    /** Whether the request's tool calls Twilio (and so has the longer timeout and the shorter age). */
    private boolean callsTwilio(ToolCall call) {
        Tool tool = ToolName.find(call.request().tool()).map(tools::get).orElse(null);
        return tool != null && tool.callsTwilio();
    }

    private Duration maxRequestAge(ToolCall call) {
        return properties.maxRequestAgeFor(callsTwilio(call));
    }

    /** How long a claim lasts: the tool's timeout, and room to store its result when the database is slow. */
    private Duration claimLease(ToolCall call) {
        return properties.timeoutFor(callsTwilio(call)).plus(CLAIM_MARGIN);
    }

    private Mono<ToolResult> failure(ToolCall call, Throwable error) {
        log.warn("tool call {} ({}) failed", call.request().toolCallId(), call.request().tool(), error);
        return Mono.just(ToolResult.failed("Something went wrong on my side, so I couldn't do that right now."));
    }

    /** A tool call on this instance: the key of {@link #inFlight}. */
    private record InFlight(String tenantId, String toolCallId) {
    }
}
