package dev.voiceagent.tools.twilio;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Twilio account ({@code voice.twilio.*}): credentials, the REST base (the simulator locally) and the cut-off
 * of one REST request attempt; all attempts of a request ({@link TwilioClient#budget}) must fit within
 * {@code voice.tools.timeout}, which is checked at start.
 */
@ConfigurationProperties("voice.twilio")
public record TwilioProperties(String accountSid, String authToken,
                               @DefaultValue("https://api.twilio.com") String apiBaseUrl,
                               @DefaultValue("1500ms") Duration timeout) {

    public boolean hasAuthToken() {
        return authToken != null && !authToken.isBlank();
    }

    public boolean hasAccount() {
        return accountSid != null && !accountSid.isBlank() && hasAuthToken();
    }
}
