package dev.voiceagent.tools.execution;

import dev.voiceagent.contracts.ToolName;
import reactor.core.publisher.Mono;

/**
 * A tool the executor can run. Only tools that really work implement it; a contract tool without an
 * implementation is answered "not available yet" by {@link ToolCallProcessor}.
 */
public interface Tool {

    ToolName name();

    /** Runs the tool; the caller applies the timeout. Errors become a failed result. */
    Mono<ToolResult> execute(ToolCall call);

    /**
     * Whether the tool calls Twilio: it then runs under {@code voice.tools.twilio-timeout}, which covers a Twilio
     * request with its retries, instead of {@code voice.tools.timeout}.
     */
    default boolean callsTwilio() {
        return false;
    }
}
