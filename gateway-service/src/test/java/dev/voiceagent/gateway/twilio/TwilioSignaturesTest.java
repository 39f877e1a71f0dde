package dev.voiceagent.gateway.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import com.twilio.security.RequestValidator;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TwilioSignaturesTest {

    @Test
    void testSignaturesAreAcceptedByTheSdkValidator() throws Exception {
        Map<String, String> params = Map.of("CallSid", "CA1", "To", "+15555550000", "From", "+15555550100");
        String url = "https://voice.example.com/api/v1/incoming-call";
        String signature = TwilioSignatures.sign("token", url, params);
        RequestValidator validator = new RequestValidator("token");
        assertThat(validator.validate(url, params, signature)).isTrue();
        // the pinned SDK also accepts the same URL with the default port spelled out
        assertThat(validator.validate("https://voice.example.com:443/api/v1/incoming-call", params, signature)).isTrue();
        assertThat(validator.validate(url, Map.of("CallSid", "CA2"), signature)).isFalse();

        String body = "{\"CallSid\":\"CA1\"}";
        String jsonUrl = url + "?bodySHA256=" + TwilioSignatures.bodySha256(body);
        assertThat(validator.validate(jsonUrl, body, TwilioSignatures.sign("token", jsonUrl, Map.of()))).isTrue();
    }

    @Test
    void twimlConnectsTheStreamWithTheTokenParameter() {
        String xml = TwimlResponses.connectStream("wss://voice.example.com/api/v1/media-stream", "tok.en", null);
        assertThat(xml).contains("<Connect><Stream url=\"wss://voice.example.com/api/v1/media-stream\">"
                + "<Parameter name=\"token\" value=\"tok.en\"/></Stream></Connect>");
        assertThat(TwimlResponses.unroutable()).contains("<Say>").contains("<Hangup/>");
    }
}
