package dev.voiceagent.tools.sms;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * SMS settings ({@code voice.tools.sms.*}): a sender per tenant (default: the tenant's first phone number), how
 * many texts one number may receive per hour from a tenant during calls, how many SLA alerts the tenant's on-call
 * number may receive per hour, and the longest body accepted.
 */
@ConfigurationProperties("voice.tools.sms")
public record SmsProperties(Map<String, String> senders,
                            @DefaultValue("3") int maxPerRecipientPerHour,
                            @DefaultValue("640") int maxBodyChars,
                            @DefaultValue("30") int maxAlertsPerHour) {

    public SmsProperties {
        senders = senders == null ? Map.of() : Map.copyOf(senders);
    }
}
