package dev.voiceagent.tools.execution;

import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.tools.execution.ToolCallRepository.StoredToolCall;
import dev.voiceagent.tools.scope.PaymentRequests;
import dev.voiceagent.tools.scope.ServiceRequests;
import dev.voiceagent.tools.scope.ToolScope;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Runs one tool call exactly once: a stored result is resent as it is; otherwise the scope is checked (the agent
 * contract's for a call's model, {@link ServiceRequests} for a service acting on its own), the tool
 * runs under a timeout, the first result is stored and then sent to the bridge and to analytics.
 */
@Component
public class ToolCallProcessor {

    private static final Logger log = LoggerFactory.getLogger(ToolCallProcessor.class);

    private final Map<ToolName, Tool> tools = new EnumMap<>(ToolName.class);
    private final TenantDirectory tenants;
    private final ToolCallRepository repository;
    private final ToolResultPublisher publisher;
    private final Duration timeout;
    private final MeterRegistry meters;

    public ToolCallProcessor(List<Tool> tools, TenantDirectory tenants, ToolCallRepository repository,
                             ToolResultPublisher publisher, ToolExecutorProperties properties, MeterRegistry meters) {
        tools.forEach(tool -> this.tools.put(tool.name(), tool));
        this.tenants = tenants;
        this.repository = repository;
        this.publisher = publisher;
        this.timeout = properties.timeout();
        this.meters = meters;
    }

    public Mono<Void> process(ToolCall call) {
        String toolCallId = call.request().toolCallId();
        return repository.find(call.tenantId(), toolCallId)
                .doOnNext(stored -> log.info("tool call {} already answered ({}); resending the stored result",
                        toolCallId, stored.result().status()))
                .switchIfEmpty(Mono.defer(() -> executeAndStore(call)))
                .flatMap(stored -> publisher.publish(stored, call.request().replyTopic()));
    }

    private Mono<StoredToolCall> executeAndStore(ToolCall call) {
        long started = System.nanoTime();
        return decide(call)
                .map(result -> stored(call, result, Duration.ofNanos(System.nanoTime() - started)))
                .doOnNext(stored -> log.info("tool call {} {} -> {} in {} ms", stored.toolCallId(), stored.tool(),
                        stored.result().status(), stored.latencyMs()))
                .flatMap(repository::storeFirst);
    }

    private StoredToolCall stored(ToolCall call, ToolResult result, Duration latency) {
        recordLatency(call.request().tool(), result.status(), latency);
        return new StoredToolCall(call.tenantId(), call.request().toolCallId(), call.callSid(),
                call.request().tool(), result, latency.toMillis(), UUID.randomUUID().toString());
    }

    /**
     * {@code voice.tools.latency{tool,status}}: executed calls only (a resent stored result is not timed again);
     * a tool name the platform does not know is tagged {@code unknown} so the model cannot grow the label set.
     */
    private void recordLatency(String tool, String status, Duration latency) {
        Timer.builder("voice.tools.latency")
                .description("Tool call latency, from the scope check to the tool's result")
                .tag("tool", ToolName.find(tool).map(ToolName::wire).orElse("unknown"))
                .tag("status", status)
                .publishPercentileHistogram()
                .register(meters)
                .record(latency);
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
                .timeout(timeout)
                .onErrorResume(TimeoutException.class, e -> Mono.just(ToolResult.timedOut(
                        "That is taking too long right now. Please try again in a moment.")))
                .onErrorResume(e -> !(e instanceof TimeoutException), e -> failure(call, e));
    }

    private Mono<ToolResult> failure(ToolCall call, Throwable error) {
        log.warn("tool call {} ({}) failed", call.request().toolCallId(), call.request().tool(), error);
        return Mono.just(ToolResult.failed("Something went wrong on my side, so I couldn't do that right now."));
    }
}
