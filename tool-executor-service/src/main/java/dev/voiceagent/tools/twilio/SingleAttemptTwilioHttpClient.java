package dev.voiceagent.tools.twilio;

import com.twilio.http.NetworkHttpClient;
import com.twilio.http.Request;
import com.twilio.http.Response;
import dev.voiceagent.support.twilio.TwilioApiHttpClient;
import java.time.Duration;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.core5.util.Timeout;

/**
 * The Twilio SDK's HTTP client, rebased on {@code voice.twilio.api-base-url}, that makes exactly one attempt per
 * request. The SDK by itself repeats a request that got a 5xx answer; for a message or a call update that answer
 * is ambiguous (Twilio may have acted), so repeating it could send a second SMS. Retries are decided by
 * {@link TwilioClient}, only for failures where the request certainly never reached Twilio.
 */
final class SingleAttemptTwilioHttpClient extends NetworkHttpClient {

    private final TwilioApiHttpClient rebase;

    SingleAttemptTwilioHttpClient(String apiBase, Duration timeout) {
        super(RequestConfig.custom()
                .setConnectionRequestTimeout(Timeout.of(timeout))
                .setResponseTimeout(Timeout.of(timeout))
                .build());
        this.rebase = new TwilioApiHttpClient(apiBase);
    }

    @Override
    public Response makeRequest(Request request) {
        return super.makeRequest(rebase.rewrite(request));
    }

    @Override
    protected boolean shouldRetry(Response response, int[] retryCodes) {
        return false;
    }
}
