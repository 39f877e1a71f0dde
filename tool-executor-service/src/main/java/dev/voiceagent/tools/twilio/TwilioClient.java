package dev.voiceagent.tools.twilio;

import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Call;
import com.twilio.rest.api.v2010.account.Message;
import com.twilio.type.PhoneNumber;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Twilio REST calls the tools make (send a message, update a live call) through the SDK, off the event loop,
 * each with a timeout inside its own circuit breaker. A request is retried only when it certainly never reached
 * Twilio ({@link TwilioFailures#retryable}); an ambiguous failure (timeout, 5xx, broken connection) is never
 * repeated, so a message is never sent twice.
 */
public class TwilioClient {

    private static final Duration RETRY_BACKOFF = Duration.ofMillis(100);
    /** Reactor's default, named because {@link #budget} depends on it: a back-off is up to 50% longer. */
    private static final double RETRY_JITTER = 0.5;
    static final int RETRIES = 2;

    private final TwilioRestClient client;
    private final CircuitBreaker messages;
    private final CircuitBreaker calls;
    private final Duration timeout;

    public TwilioClient(TwilioRestClient client, CircuitBreaker messages, CircuitBreaker calls, Duration timeout) {
        this.client = client;
        this.messages = messages;
        this.calls = calls;
        this.timeout = timeout;
    }

    /** The cut-off of one Twilio request. */
    public Duration timeout() {
        return timeout;
    }

    /** The longest one request of this client may take, retries included: {@link #budget(Duration)}. */
    public Duration budget() {
        return budget(timeout);
    }

    /**
     * The longest a request may take when each attempt is cut off after {@code timeout}: every attempt (the first and
     * {@value #RETRIES} retries) running into it, and every back-off at its longest (exponential from 100 ms, plus
     * jitter). A request can act at Twilio until then, so whoever waits for it must wait this long.
     */
    public static Duration budget(Duration timeout) {
        Duration total = timeout.multipliedBy(1 + RETRIES);
        for (int retry = 0; retry < RETRIES; retry++) {
            Duration backoff = RETRY_BACKOFF.multipliedBy(1L << retry);
            total = total.plus(backoff).plusMillis((long) Math.ceil(backoff.toMillis() * RETRY_JITTER));
        }
        return total;
    }

    /** A message accepted by Twilio: its SID and the status Twilio gave it. */
    public record SentMessage(String sid, String status) {
    }

    public Mono<SentMessage> sendMessage(String to, String from, String body, URI statusCallback) {
        return guarded(() -> Message.creator(new PhoneNumber(to), new PhoneNumber(from), body)
                .setStatusCallback(statusCallback)
                .create(client), messages)
                .map(message -> new SentMessage(message.getSid(),
                        message.getStatus() == null ? "queued" : message.getStatus().toString()));
    }

    /** Replaces what a live call is doing with {@code twiml} (e.g. a {@code <Dial>} to transfer it). */
    public Mono<Void> updateCall(String callSid, String twiml) {
        return guarded(() -> Call.updater(callSid).setTwiml(twiml).update(client), calls).then();
    }

    private <T> Mono<T> guarded(Callable<T> request, CircuitBreaker breaker) {
        return Mono.fromCallable(request)
                .subscribeOn(Schedulers.boundedElastic())
                .timeout(timeout)
                .transformDeferred(CircuitBreakerOperator.of(breaker))
                .retryWhen(Retry.backoff(RETRIES, RETRY_BACKOFF).jitter(RETRY_JITTER)
                        .filter(TwilioFailures::retryable)
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()));
    }
}
