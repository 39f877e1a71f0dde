package dev.voiceagent.tools.execution;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of tool execution ({@code voice.tools.*}): the cut-off for one tool, the public base URL at which
 * Twilio reaches this service (SMS status callbacks, transfer whispers) and which it signs, and the age beyond which
 * a call's request is answered {@code timeout} without running (the bridge waits {@code voice.bridge.tool-timeout},
 * 8 s, for an answer; the default leaves 2 s for clocks that disagree).
 */
@ConfigurationProperties("voice.tools")
public record ToolExecutorProperties(@DefaultValue("2s") Duration timeout,
                                     @DefaultValue("http://localhost:8083") String publicBaseUrl,
                                     @DefaultValue("10s") Duration maxRequestAge) {

    public ToolExecutorProperties {
        publicBaseUrl = publicBaseUrl.endsWith("/") ? publicBaseUrl.substring(0, publicBaseUrl.length() - 1)
                : publicBaseUrl;
    }
}
