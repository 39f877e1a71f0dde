package dev.voiceagent.tools.twilio;

import com.twilio.security.RequestValidator;
import java.util.Map;

/**
 * Checks {@code X-Twilio-Signature} on Twilio's requests to this service with the SDK's {@link RequestValidator},
 * over the URL Twilio requested: {@code voice.tools.public-base-url} + path (+ query), never the internal address
 * this instance sees behind a proxy. Without an auth token nothing verifies.
 */
public class TwilioRequestVerifier {

    private final RequestValidator validator;
    private final String publicBaseUrl;

    public TwilioRequestVerifier(String authToken, String publicBaseUrl) {
        this.validator = authToken == null || authToken.isBlank() ? null : new RequestValidator(authToken);
        this.publicBaseUrl = publicBaseUrl;
    }

    /** {@code pathAndQuery} as Twilio requested it, e.g. {@code /api/v1/sms-status?ref=sms_1}. */
    public boolean verify(String pathAndQuery, Map<String, String> form, String signature) {
        if (validator == null || signature == null || signature.isBlank()) {
            return false;
        }
        return validator.validate(publicBaseUrl + pathAndQuery, form, signature);
    }
}
