package dev.voiceagent.tools.execution;

import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.support.tenant.TenantDirectory;
import dev.voiceagent.tools.execution.ToolCallRepository.StoredToolCall;
import dev.voiceagent.tools.scope.PaymentRequests;
import dev.voiceagent.tools.scope.ToolScope;
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
 * Runs one tool call exactly once: a stored result is resent as it is; otherwise the scope is checked, the tool
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

    public ToolCallProcessor(List<Tool> tools, TenantDirectory tenants, ToolCallRepository repository,
                             ToolResultPublisher publisher, ToolExecutorProperties properties) {
        tools.forEach(tool -> this.tools.put(tool.name(), tool));
        this.tenants = tenants;
        this.repository = repository;
        this.publisher = publisher;
        this.timeout = properties.timeout();
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
                .map(result -> new StoredToolCall(call.tenantId(), call.request().toolCallId(), call.callSid(),
                        call.request().tool(), result, Duration.ofNanos(System.nanoTime() - started).toMillis(),
                        UUID.randomUUID().toString()))
                .doOnNext(stored -> log.info("tool call {} {} -> {} in {} ms", stored.toolCallId(), stored.tool(),
                        stored.result().status(), stored.latencyMs()))
                .flatMap(repository::storeFirst);
    }

    private Mono<ToolResult> decide(ToolCall call) {
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
