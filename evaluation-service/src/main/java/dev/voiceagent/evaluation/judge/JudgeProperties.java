package dev.voiceagent.evaluation.judge;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The optional model judge ({@code voice.evaluation.judge.*}): an OpenAI-compatible chat completions URL, the model
 * and a timeout; the judge runs only when {@code api-key} is set.
 */
@ConfigurationProperties("voice.evaluation.judge")
public record JudgeProperties(String apiKey,
                              @DefaultValue("https://api.openai.com/v1/chat/completions") String url,
                              @DefaultValue("gpt-4o-mini") String model,
                              @DefaultValue("15s") Duration timeout) {

    public boolean enabled() {
        return apiKey != null && !apiKey.isBlank();
    }

    /** Never print the key. */
    @Override
    public String toString() {
        return "JudgeProperties[url=" + url + ", model=" + model + ", timeout=" + timeout + ", apiKey="
                + (enabled() ? "***" : "unset") + "]";
    }
}
