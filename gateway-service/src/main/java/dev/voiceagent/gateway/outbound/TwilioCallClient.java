package dev.voiceagent.gateway.outbound;

import com.twilio.exception.ApiConnectionException;
import com.twilio.exception.ApiException;
import com.twilio.http.TwilioRestClient;
import com.twilio.http.HttpMethod;
import com.twilio.rest.api.v2010.account.Call;
import com.twilio.rest.api.v2010.account.CallCreator;
import dev.voiceagent.gateway.calllog.MachineDetection;
import com.twilio.type.PhoneNumber;
import dev.voiceagent.support.Problems;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.github.resilience4j.reactor.timelimiter.TimeLimiterOperator;
import io.github.resilience4j.timelimiter.TimeLimiter;
import dev.voiceagent.gateway.support.CallTraces;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.springframework.http.HttpStatus;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Creates outbound calls through the Twilio SDK, off the event loop, with a Resilience4j time limiter inside a
 * Resilience4j circuit breaker: an open breaker answers 503 at once instead of queueing callers behind a failing
 * Twilio.
 */
public class TwilioCallClient {

    static final List<String> STATUS_EVENTS = List.of("initiated", "ringing", "answered", "completed");

    private final TwilioRestClient client;
    private final CircuitBreaker breaker;
    private final CallTraces traces;
    private final TimeLimiter timeLimiter;
    private final String publicBase;
    private final boolean asyncAmd;

    public TwilioCallClient(TwilioRestClient client, CircuitBreaker breaker, TimeLimiter timeLimiter, String publicBase,
                            boolean asyncAmd, CallTraces traces) {
        this.traces = traces;
        this.client = client;
        this.breaker = breaker;
        this.timeLimiter = timeLimiter;
        this.publicBase = publicBase;
        this.asyncAmd = asyncAmd;
    }

    /** The SID of the created call. */
    public Mono<String> create(String to, String from) {
        return create(to, from, null);
    }

    /**
     * The SID of the created call; with {@code machineDetection}, Twilio's answering-machine detection runs
     * asynchronously (when {@code asyncAmd}) and reports to {@code /api/v1/amd-status}, or synchronously and
     * reports {@code AnsweredBy} with the TwiML request.
     */
    public Mono<String> create(String to, String from, MachineDetection machineDetection) {
        // the callbacks Twilio makes for this call carry the trace of the request that created it
        return Mono.defer(() -> {
            String traceparent = traces.current();
            return remote(Mono.fromCallable(() -> creator(to, from, machineDetection, traceparent).create(client)));
        }).map(Call::getSid);
    }

    private CallCreator creator(String to, String from, MachineDetection machineDetection, String traceparent) {
        CallCreator creator = Call.creator(new PhoneNumber(to), new PhoneNumber(from),
                        callback("/api/v1/incoming-call", traceparent))
                .setStatusCallback(callback("/api/v1/call-status", traceparent))
                .setStatusCallbackEvent(STATUS_EVENTS);
        if (machineDetection != null) {
            creator.setMachineDetection(machineDetection.mode());
            if (asyncAmd) {
                creator.setAsyncAmd("true")
                        .setAsyncAmdStatusCallback(callback("/api/v1/amd-status", traceparent))
                        .setAsyncAmdStatusCallbackMethod(HttpMethod.POST);
            }
        }
        return creator;
    }

    private URI callback(String path, String traceparent) {
        return URI.create(CallTraces.withTraceparent(publicBase + path, traceparent));
    }

    /** Replaces a live call's instructions with {@code <Say>message</Say><Hangup/>}. */
    public Mono<Void> sayAndHangUp(String callSid, String twiml) {
        return remote(Mono.fromCallable(() -> Call.updater(callSid).setTwiml(twiml).update(client))).then();
    }

    /** Ends a live call. */
    public Mono<Void> hangUp(String callSid) {
        return remote(Mono.fromCallable(() -> Call.updater(callSid).setStatus(Call.UpdateStatus.COMPLETED)
                .update(client))).then();
    }

    /** The SDK blocks: off the event loop, within the time limiter, inside the breaker. */
    private <T> Mono<T> remote(Mono<T> call) {
        return call.subscribeOn(Schedulers.boundedElastic())
                .transformDeferred(TimeLimiterOperator.of(timeLimiter))
                .transformDeferred(CircuitBreakerOperator.of(breaker))
                .onErrorMap(TwilioCallClient::toProblem);
    }

    /** Twilio answering 5xx, not answering, or timing out counts against the breaker; its 4xx answers do not. */
    public static boolean isTransient(Throwable e) {
        if (e instanceof ApiException api && api.getStatusCode() != null) {
            return api.getStatusCode() >= 500 || api.getStatusCode() == 429;
        }
        return e instanceof ApiConnectionException || e instanceof TimeoutException || e instanceof ApiException;
    }

    /** A failure after which the call may exist anyway: Twilio (or the way to it) did not answer in time. */
    public static boolean ambiguous(Throwable e) {
        return e instanceof org.springframework.web.ErrorResponse problem
                && problem.getStatusCode().value() == HttpStatus.GATEWAY_TIMEOUT.value();
    }

    private static Throwable toProblem(Throwable e) {
        if (e instanceof CallNotPermittedException) {
            return Problems.unavailable("Calls cannot be placed right now; Twilio is failing. Retry later.");
        }
        if (e instanceof TimeoutException) {
            return Problems.of(HttpStatus.GATEWAY_TIMEOUT, "Upstream timeout", "Twilio did not answer in time.");
        }
        if (e instanceof ApiException api && api.getStatusCode() != null && api.getStatusCode() >= 400
                && api.getStatusCode() < 500 && api.getStatusCode() != 429) {
            return Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, "Call rejected by Twilio",
                    "Twilio refused the call: " + api.getMessage());
        }
        if (e instanceof ApiException) {
            return Problems.of(HttpStatus.BAD_GATEWAY, "Upstream error", "Twilio could not create the call.");
        }
        return e;
    }
}
