package dev.voiceagent.support.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import com.twilio.http.HttpMethod;
import com.twilio.http.Request;
import java.util.List;
import org.junit.jupiter.api.Test;

class TwilioApiHttpClientTest {

    @Test
    void rewritesTwilioApiRequestsToTheConfiguredBase() {
        Request request = new Request(HttpMethod.POST, "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json");
        request.setAuth("AC1", "secret");
        request.addPostParam("To", "+15555550100");
        request.addPostParam("StatusCallbackEvent", "initiated");
        request.addPostParam("StatusCallbackEvent", "completed");
        request.addQueryParam("PageSize", "5");

        Request rewritten = new TwilioApiHttpClient("http://localhost:9999/").rewrite(request);

        assertThat(rewritten.constructURL().toString())
                .isEqualTo("http://localhost:9999/2010-04-01/Accounts/AC1/Calls.json?PageSize=5");
        assertThat(rewritten.getPostParams().get("StatusCallbackEvent")).isEqualTo(List.of("initiated", "completed"));
        assertThat(rewritten.getPostParams().get("To")).isEqualTo(List.of("+15555550100"));
        assertThat(rewritten.getAuthString()).isEqualTo(request.getAuthString());
    }

    @Test
    void leavesRequestsAloneWhenTheBaseIsTwilio() {
        Request request = new Request(HttpMethod.GET, "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json");
        assertThat(new TwilioApiHttpClient("https://api.twilio.com").rewrite(request)).isSameAs(request);
        Request other = new Request(HttpMethod.GET, "https://messaging.twilio.com/v1/Services");
        assertThat(new TwilioApiHttpClient("http://localhost:1").rewrite(other)).isSameAs(other);
    }
}
