package dev.voiceagent.bridge.realtime;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where and how the bridge reaches the realtime model ({@code voice.realtime.*}). {@code ?model=} is appended to
 * {@code url} per call; the API key is sent as a bearer token and never printed.
 */
@ConfigurationProperties("voice.realtime")
public record RealtimeProperties(
        @DefaultValue("wss://api.openai.com/v1/realtime") URI url,
        String apiKey,
        @DefaultValue("gpt-realtime") String defaultModel,
        @DefaultValue("alloy") String defaultVoice,
        @DefaultValue("gpt-4o-mini-transcribe") String transcriptionModel,
        @DefaultValue("10s") Duration connectTimeout,
        @DefaultValue("2s") Duration closeGrace,
        @DefaultValue("1048576") int maxFrameBytes) {

    @Override
    public String toString() {
        return "RealtimeProperties[url=" + url + ", apiKey=" + (apiKey == null || apiKey.isBlank() ? "unset" : "***")
                + ", defaultModel=" + defaultModel + ", defaultVoice=" + defaultVoice + "]";
    }
}
