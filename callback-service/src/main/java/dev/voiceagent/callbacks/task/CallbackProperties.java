package dev.voiceagent.callbacks.task;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Queue settings ({@code voice.callbacks.*}): the SLA of each priority. */
@ConfigurationProperties("voice.callbacks")
public record CallbackProperties(Map<String, Duration> sla) {

    public CallbackProperties {
        sla = sla == null ? Map.of() : Map.copyOf(sla);
    }
}
