package dev.voiceagent.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.twilio.exception.ApiConnectionException;
import dev.voiceagent.gateway.calllog.MachineDetection;
import com.twilio.exception.ApiException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TwilioCallClientTest {

    @Test
    void synchronousMachineDetectionLengthensTheTimeLimitByWhatItMayListen() {
        MachineDetection detect = new MachineDetection("Enable", null, null);
        assertThat(TwilioCallClient.timeLimit(630, detect, false)).isEqualTo(660);
        assertThat(TwilioCallClient.timeLimit(630, detect, true)).as("asynchronous: alongside the session")
                .isEqualTo(630);
        assertThat(TwilioCallClient.timeLimit(630, null, false)).isEqualTo(630);
        assertThat(TwilioCallClient.timeLimit(null, detect, false)).as("no limit of the tenant's: Twilio's").isNull();
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("breaker open, nothing sent", CallNotPermittedException.createCallNotPermittedException(
                        CircuitBreaker.ofDefaults("test")), false),
                Arguments.of("Twilio refused: 400", new ApiException("The 'To' number is not valid", 400), false),
                Arguments.of("Twilio refused: 429", new ApiException("Too Many Requests", 429), false),
                Arguments.of("connection refused", new ApiException("Connection refused",
                        new ConnectException("Connection refused")), false),
                Arguments.of("unknown host", new ApiException("api.twilio.com",
                        new UnknownHostException("api.twilio.com")), false),
                Arguments.of("Twilio answered 500", new ApiException("Internal", 500), true),
                Arguments.of("Twilio answered 503", new ApiException("Unavailable", 503), true),
                Arguments.of("no answer in time", new TimeoutException(), true),
                Arguments.of("connection lost after sending", new ApiException("Connection reset",
                        new SocketException("Connection reset")), true),
                Arguments.of("no response from the SDK", new ApiConnectionException(
                        "Call creation failed: Unable to connect to server"), true),
                Arguments.of("an answer that could not be read", new ApiConnectionException("unexpected end",
                        new java.io.EOFException()), true),
                Arguments.of("anything else", new IllegalStateException("surprise"), true));
    }

    @ParameterizedTest(name = "{0}: the call may exist = {2}")
    @MethodSource("failures")
    void onlyAFailureThatRulesTheCallOutFreesItsKey(String what, Throwable failure, boolean mayExist) {
        assertThat(TwilioCallClient.mayHaveCreated(failure)).isEqualTo(mayExist);
    }
}
