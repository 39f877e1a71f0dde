package dev.voiceagent.tools.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import com.twilio.exception.ApiException;
import com.twilio.http.HttpClient;
import com.twilio.http.Request;
import com.twilio.http.Response;
import com.twilio.http.TwilioRestClient;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** How long one Twilio request may take, retries included: what the tool timeout has to cover. */
class TwilioClientTest {

    @Test
    void aRequestMayTakeEveryAttemptsTimeoutAndTheLongestBackOffs() {
        assertThat(TwilioClient.budget(Duration.ofMillis(1500))).isEqualTo(Duration.ofMillis(4950));
        assertThat(TwilioClient.budget(Duration.ofSeconds(2))).isEqualTo(Duration.ofMillis(6450));
    }

    /** Twilio refuses every attempt with 429 at once: all that passes is the back-offs, jitter included. */
    @RepeatedTest(5)
    void theBackOffsBetweenRefusedAttemptsStayWithinTheBudget() {
        AtomicInteger attempts = new AtomicInteger();
        TwilioClient client = new TwilioClient(tooManyRequests(attempts), CircuitBreaker.ofDefaults("messages"),
                CircuitBreaker.ofDefaults("calls"), Duration.ofSeconds(1));
        Duration backOffs = client.budget().minus(client.timeout().multipliedBy(3));

        StepVerifier.withVirtualTime(() -> client.updateCall("CA00000000000000000000000000000001", "<Response/>"))
                .thenAwait(backOffs)
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ApiException.class))
                .verify(Duration.ofSeconds(5));
        assertThat(attempts).hasValue(3);
    }

    private static TwilioRestClient tooManyRequests(AtomicInteger attempts) {
        HttpClient http = new HttpClient() {
            @Override
            public Response makeRequest(Request request) {
                attempts.incrementAndGet();
                return new Response("{\"code\":20429,\"message\":\"Too Many Requests\",\"status\":429}", 429);
            }

            @Override
            protected boolean shouldRetry(Response response, int[] retryCodes) {
                return false;
            }
        };
        return new TwilioRestClient.Builder("AC00000000000000000000000000000000", "token").httpClient(http).build();
    }
}
