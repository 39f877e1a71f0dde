package dev.voiceagent.tools.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import com.twilio.exception.ApiException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class TwilioFailuresTest {

    @Test
    void onlyFailuresBeforeTwilioActedAreRetried() {
        assertThat(TwilioFailures.retryable(new ApiException("refused", new ConnectException("refused")))).isTrue();
        assertThat(TwilioFailures.retryable(new ApiException("busy", 429))).isTrue();
        assertThat(TwilioFailures.retryable(new ApiException("read", new SocketTimeoutException()))).isFalse();
        assertThat(TwilioFailures.retryable(new ApiException("boom", 500))).isFalse();
        assertThat(TwilioFailures.retryable(new TimeoutException())).isFalse();
    }

    @Test
    void ambiguousFailuresAreNotReportedAsNotSent() {
        assertThat(TwilioFailures.notSent(new ApiException("bad number", 400))).isTrue();
        assertThat(TwilioFailures.notSent(new ApiException("boom", 500))).isFalse();
        assertThat(TwilioFailures.notSent(new TimeoutException())).isFalse();
    }

    @Test
    void twilioRefusalsDoNotCountAgainstTheBreaker() {
        assertThat(TwilioFailures.isTransient(new ApiException("bad number", 400))).isFalse();
        assertThat(TwilioFailures.isTransient(new ApiException("boom", 503))).isTrue();
        assertThat(TwilioFailures.isTransient(new TimeoutException())).isTrue();
    }
}
