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
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Creates outbound calls through the Twilio SDK, off the event loop, with a Resilience4j time limiter inside a
 * Resilience4j circuit breaker: an open breaker answers 503 at once instead of queueing callers behind a failing
 * Twilio.
 */
public class TwilioCallClient {

    static final List<String> STATUS_EVENTS = List.of("initiated", "ringing", "answered", "completed");
    /** How long machine detection may listen ({@code MachineDetectionTimeout}; Twilio's default, set explicitly). */
    static final int MACHINE_DETECTION_SECONDS = 30;
    /** The problem property that marks a failed call creation after which the call may exist. */
    public static final String CALL_MAY_EXIST = "call_may_exist";

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
        return create(to, from, null, null);
    }

    /**
     * The SID of the created call; with {@code machineDetection}, Twilio's answering-machine detection runs
     * asynchronously (when {@code asyncAmd}) and reports to {@code /api/v1/amd-status}, or synchronously and
     * reports {@code AnsweredBy} with the TwiML request. With {@code timeLimitSeconds}, Twilio ends the call after
     * that long whatever else happens (its {@code TimeLimit}; 4 hours otherwise).
     */
    public Mono<String> create(String to, String from, MachineDetection machineDetection, Integer timeLimitSeconds) {
        // the callbacks Twilio makes for this call carry the trace of the request that created it
        return Mono.defer(() -> {
            String traceparent = traces.current();
            return remote(Mono.fromCallable(() -> creator(to, from, machineDetection, timeLimitSeconds, traceparent)
                    .create(client)));
        }).map(Call::getSid).onErrorMap(TwilioCallClient::creationProblem);
    }

    private CallCreator creator(String to, String from, MachineDetection machineDetection, Integer timeLimitSeconds,
                                String traceparent) {
        CallCreator creator = Call.creator(new PhoneNumber(to), new PhoneNumber(from),
                        callback("/api/v1/incoming-call", traceparent))
                .setStatusCallback(callback("/api/v1/call-status", traceparent))
                .setStatusCallbackEvent(STATUS_EVENTS);
        Integer limit = timeLimit(timeLimitSeconds, machineDetection, asyncAmd);
        if (limit != null) {
            creator.setTimeLimit(limit);
        }
        if (machineDetection != null) {
            creator.setMachineDetection(machineDetection.mode())
                    .setMachineDetectionTimeout(MACHINE_DETECTION_SECONDS);
            if (asyncAmd) {
                creator.setAsyncAmd("true")
                        .setAsyncAmdStatusCallback(callback("/api/v1/amd-status", traceparent))
                        .setAsyncAmdStatusCallbackMethod(HttpMethod.POST);
            }
        }
        return creator;
    }

    /**
     * The call's {@code TimeLimit}: Twilio counts it from the answer, and synchronous machine detection listens for up
     * to {@link #MACHINE_DETECTION_SECONDS} before the TwiML (and so the bridge's session and its own limit) starts,
     * so that much is added; asynchronous detection runs alongside the session and adds nothing.
     */
    static Integer timeLimit(Integer sessionSeconds, MachineDetection machineDetection, boolean asyncAmd) {
        if (sessionSeconds == null) {
            return null;
        }
        return machineDetection != null && !asyncAmd ? sessionSeconds + MACHINE_DETECTION_SECONDS : sessionSeconds;
    }

    private URI callback(String path, String traceparent) {
        return URI.create(CallTraces.withTraceparent(publicBase + path, traceparent));
    }

    /** Replaces a live call's instructions with {@code <Say>message</Say><Hangup/>}. */
    public Mono<Void> sayAndHangUp(String callSid, String twiml) {
        return remote(Mono.fromCallable(() -> Call.updater(callSid).setTwiml(twiml).update(client)))
                .onErrorMap(TwilioCallClient::toProblem).then();
    }

    /** Ends a live call. */
    public Mono<Void> hangUp(String callSid) {
        return remote(Mono.fromCallable(() -> Call.updater(callSid).setStatus(Call.UpdateStatus.COMPLETED)
                .update(client))).onErrorMap(TwilioCallClient::toProblem).then();
    }

    /** The SDK blocks: off the event loop, within the time limiter, inside the breaker; errors as the SDK threw them. */
    private <T> Mono<T> remote(Mono<T> call) {
        return call.subscribeOn(Schedulers.boundedElastic())
                .transformDeferred(TimeLimiterOperator.of(timeLimiter))
                .transformDeferred(CircuitBreakerOperator.of(breaker));
    }

    /** Twilio answering 5xx, not answering, or timing out counts against the breaker; its 4xx answers do not. */
    public static boolean isTransient(Throwable e) {
        if (e instanceof ApiException api && api.getStatusCode() != null) {
            return api.getStatusCode() >= 500 || api.getStatusCode() == 429;
        }
        return e instanceof ApiConnectionException || e instanceof TimeoutException || e instanceof ApiException;
    }

    /**
     * A failed {@link #create} after which the call may exist anyway (see {@link #mayHaveCreated}); such a problem
     * carries {@value #CALL_MAY_EXIST}{@code : true}.
     */
    public static boolean ambiguous(Throwable e) {
        return e instanceof ErrorResponseException problem && problem.getBody().getProperties() != null
                && Boolean.TRUE.equals(problem.getBody().getProperties().get(CALL_MAY_EXIST));
    }

    /**
     * Whether Twilio may have created the call despite the error. Only three answers rule it out: the breaker refused
     * before anything was sent, Twilio answered 4xx (it refused the request, 429 included), or no connection to it
     * was made. Anything else — a 5xx, no answer in time, a connection lost once the request was on its way, an answer
     * that could not be read — leaves the call possibly created, and placing it again could ring the callee twice.
     */
    static boolean mayHaveCreated(Throwable e) {
        if (e instanceof CallNotPermittedException) {
            return false;
        }
        if (e instanceof ApiException api && api.getStatusCode() != null
                && api.getStatusCode() >= 400 && api.getStatusCode() < 500) {
            return false;
        }
        return !neverConnected(e);
    }

    /** The SDK wraps I/O errors; these causes mean the request never left this host. */
    private static boolean neverConnected(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof UnknownHostException
                    || cause instanceof NoRouteToHostException) {
                return true;
            }
        }
        return false;
    }

    private static Throwable creationProblem(Throwable e) {
        if (!mayHaveCreated(e)) {
            return toProblem(e);
        }
        ErrorResponseException problem = e instanceof TimeoutException
                ? Problems.of(HttpStatus.GATEWAY_TIMEOUT, "Upstream timeout", "Twilio did not answer in time; the "
                        + "call may have been placed.")
                : Problems.of(HttpStatus.BAD_GATEWAY, "Upstream error", "Twilio's answer to the call creation failed "
                        + "or was lost; the call may have been placed.");
        problem.getBody().setProperty(CALL_MAY_EXIST, true);
        return problem;
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
        if (e instanceof ApiException || e instanceof ApiConnectionException) {
            return Problems.of(HttpStatus.BAD_GATEWAY, "Upstream error", "Twilio could not create the call.");
        }
        return e;
    }
}
