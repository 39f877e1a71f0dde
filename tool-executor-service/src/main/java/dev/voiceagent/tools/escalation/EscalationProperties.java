package dev.voiceagent.tools.escalation;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Escalation settings ({@code voice.tools.escalation.*}): a human target per tenant used when the agent view has
 * no {@code fallback_destination} (E.164 number, {@code sip:…} or {@code client:…}), business hours per tenant in
 * its time zone ({@link BusinessHours} syntax; unset = always open), and how long the human side rings.
 */
@ConfigurationProperties("voice.tools.escalation")
public record EscalationProperties(Map<String, String> targets, Map<String, String> businessHours,
                                   @DefaultValue("25s") Duration ringTimeout) {

    public EscalationProperties {
        targets = targets == null ? Map.of() : Map.copyOf(targets);
        businessHours = businessHours == null ? Map.of() : Map.copyOf(businessHours);
    }
}
