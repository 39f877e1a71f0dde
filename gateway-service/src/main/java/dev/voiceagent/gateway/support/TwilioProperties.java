package dev.voiceagent.gateway.support;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Typed {@code voice.twilio.*} settings: account, webhook-signing token, the REST API base, one request's timeout
 * and how long the breaker stays open once Twilio keeps failing.
 */
@ConfigurationProperties("voice.twilio")
public record TwilioProperties(
        String accountSid,
        String authToken,
        @DefaultValue("https://api.twilio.com") String apiBaseUrl,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue("30s") Duration breakerOpenFor) {

    /** Whether webhooks can be verified at all. */
    public boolean hasAuthToken() {
        return authToken != null && !authToken.isBlank();
    }

    /** Keeps the token out of any accidental log line. */
    @Override
    public String toString() {
        return "TwilioProperties[accountSid=" + accountSid + ", authToken=" + (hasAuthToken() ? "****" : "unset")
                + ", apiBaseUrl=" + apiBaseUrl + ", timeout=" + timeout + ", breakerOpenFor=" + breakerOpenFor + "]";
    }
}
