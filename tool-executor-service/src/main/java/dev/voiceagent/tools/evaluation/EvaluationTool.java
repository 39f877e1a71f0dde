package dev.voiceagent.tools.evaluation;

import dev.voiceagent.contracts.ToolName;
import dev.voiceagent.tools.execution.Tool;
import dev.voiceagent.tools.execution.ToolCall;
import dev.voiceagent.tools.execution.ToolResult;
import java.util.Map;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * {@code evaluation}: asks for an evaluation of the current session. The request is the tool result itself: the
 * {@code voice.tool.completed} envelope on {@code voice.tool.results.v1} with tool {@code evaluation} and output
 * {@code {requested:true}} (tenant and call SID on the envelope), which the evaluation service consumes.
 */
@Component
public class EvaluationTool implements Tool {

    @Override
    public ToolName name() {
        return ToolName.EVALUATION;
    }

    @Override
    public Mono<ToolResult> execute(ToolCall call) {
        return Mono.just(ToolResult.ok(Map.of("requested", true)));
    }
}
