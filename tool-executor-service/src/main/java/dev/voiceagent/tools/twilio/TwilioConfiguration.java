package dev.voiceagent.tools.twilio;

import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Call;
import com.twilio.rest.api.v2010.account.Message;
import dev.voiceagent.tools.execution.ToolExecutorProperties;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the Twilio SDK client (rebased, single attempt), one breaker per Twilio resource, and the webhook verifier. */
@Configuration(proxyBeanMethods = false)
public class TwilioConfiguration {

    private static final Logger log = LoggerFactory.getLogger(TwilioConfiguration.class);
    static final String MESSAGES_BREAKER = "twilio-messages";
    static final String CALLS_BREAKER = "twilio-calls";

    @Bean(destroyMethod = "")
    TwilioRestClient twilioRestClient(TwilioProperties twilio) {
        if (!twilio.hasAccount()) {
            log.warn("voice.twilio.account-sid/auth-token are not set: sms and escalation will fail, "
                    + "and SMS status callbacks cannot be verified");
        }
        String sid = twilio.accountSid() == null || twilio.accountSid().isBlank() ? "AC_unconfigured"
                : twilio.accountSid();
        String token = twilio.hasAuthToken() ? twilio.authToken() : "unconfigured";
        return restClient(sid, token, twilio.apiBaseUrl(), twilio.timeout());
    }

    /** An SDK client against {@code apiBase} that makes one attempt per request (see {@link SingleAttemptTwilioHttpClient}). */
    public static TwilioRestClient restClient(String accountSid, String authToken, String apiBase, Duration timeout) {
        return new TwilioRestClient.Builder(accountSid, authToken)
                .httpClient(new SingleAttemptTwilioHttpClient(apiBase, timeout))
                .build();
    }

    @Bean
    TwilioClient twilioClient(TwilioRestClient client, TwilioProperties twilio, ToolExecutorProperties tools,
                              ObjectProvider<CircuitBreakerRegistry> registry) {
        requireToolTimeoutCoversTwilio(tools.twilioTimeout(), twilio.timeout());
        warmUp(client);
        CircuitBreakerRegistry breakers = registry.getIfAvailable(CircuitBreakerRegistry::ofDefaults);
        return new TwilioClient(client, breakers.circuitBreaker(MESSAGES_BREAKER, breakerConfig()),
                breakers.circuitBreaker(CALLS_BREAKER, breakerConfig()), twilio.timeout());
    }

    @Bean
    TwilioRequestVerifier twilioRequestVerifier(TwilioProperties twilio, ToolExecutorProperties tools) {
        return new TwilioRequestVerifier(twilio.authToken(), tools.publicBaseUrl());
    }

    /**
     * Fails the start when a tool could be cut off while its Twilio request may still act: the tool's answer would
     * say it failed (or "try again") after Twilio had transferred the call or sent the text.
     */
    static void requireToolTimeoutCoversTwilio(Duration toolTimeout, Duration twilioTimeout) {
        Duration budget = TwilioClient.budget(twilioTimeout);
        if (toolTimeout.compareTo(budget) < 0) {
            throw new IllegalStateException("voice.tools.twilio-timeout (" + toolTimeout + ") is shorter than a Twilio "
                    + "request may take (" + budget + ": voice.twilio.timeout " + twilioTimeout + " for each of "
                    + (1 + TwilioClient.RETRIES) + " attempts, plus the back-offs between them): a tool cut off by "
                    + "its timeout could still transfer a call or send a text while its answer says it failed. "
                    + "Raise voice.tools.twilio-timeout to at least " + budget + " or lower voice.twilio.timeout");
        }
    }

    /**
     * Loads the SDK's JSON mapping before the first caller needs it: on a busy host the first request otherwise
     * spends most of a second in class loading and can run into the request timeout.
     */
    private static void warmUp(TwilioRestClient client) {
        try {
            Message.fromJson("{\"sid\":\"SM00000000000000000000000000000000\",\"status\":\"queued\"}",
                    client.getObjectMapper());
            Call.fromJson("{\"sid\":\"CA00000000000000000000000000000000\"}", client.getObjectMapper());
        } catch (RuntimeException e) {
            log.debug("Twilio SDK warm-up skipped: {}", e.toString());
        }
    }

    /** Opens at 50% failures over the last 20 calls (at least 5); Twilio's 4xx refusals are not failures. */
    public static CircuitBreakerConfig breakerConfig() {
        return CircuitBreakerConfig.custom()
                .slidingWindowSize(20)
                .minimumNumberOfCalls(5)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(30))
                .permittedNumberOfCallsInHalfOpenState(2)
                .recordException(TwilioFailures::isTransient)
                .build();
    }
}
