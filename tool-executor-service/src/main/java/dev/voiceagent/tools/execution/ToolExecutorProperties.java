package dev.voiceagent.tools.execution;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of tool execution ({@code voice.tools.*}): the cut-off for one tool, and the public base URL at which
 * Twilio reaches this service (SMS status callbacks, transfer whispers) and which it signs.
 */
@ConfigurationProperties("voice.tools")
public record ToolExecutorProperties(@DefaultValue("2s") Duration timeout,
                                     @DefaultValue("http://localhost:8083") String publicBaseUrl) {

    public ToolExecutorProperties {
        publicBaseUrl = publicBaseUrl.endsWith("/") ? publicBaseUrl.substring(0, publicBaseUrl.length() - 1)
                : publicBaseUrl;
    }
}
