package dev.voiceagent.tools.execution;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** Settings of tool execution ({@code voice.tools.*}). */
@ConfigurationProperties("voice.tools")
public record ToolExecutorProperties(@DefaultValue("2s") Duration timeout) {
}
