package dev.voiceagent.tools.noop;

import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.tools.execution.Tool;
import dev.voiceagent.tools.execution.ToolCall;
import dev.voiceagent.tools.execution.ToolResult;
import java.util.Map;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/** {@code noop}: acknowledges with {@code {ok:true}}; the cheapest full round trip through the executor. */
@Component
public class NoopTool implements Tool {

    @Override
    public ToolName name() {
        return ToolName.NOOP;
    }

    @Override
    public Mono<ToolResult> execute(ToolCall call) {
        return Mono.just(ToolResult.ok(Map.of("ok", true)));
    }
}
