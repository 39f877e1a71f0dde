package dev.voiceagent.gateway.media;

import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.gateway.calllog.CallLogRepository;
import dev.voiceagent.gateway.outbound.TwilioCallClient;
import dev.voiceagent.gateway.twilio.TwimlResponses;
import dev.voiceagent.support.EventPublisher;
import dev.voiceagent.support.observability.TraceContinuation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * A live stream whose media bridge is gone — its connection dropped without a close frame (the bridge process died,
 * its node was lost) or it could not be reached at all — or that the bridge refused before it said a word (1013 at
 * capacity, 1008 for a tenant or agent it does not know). Nobody else is left to speak to the caller or to say how
 * the call ended, so the gateway does both:
 * <ol>
 *   <li>replaces the call's instructions through Twilio's REST API with a short apology and a hang-up (instead of
 *       dead air, then a dropped line), before it closes the stream;</li>
 *   <li>after {@code grace}, publishes the call's outcome ({@code failed}, reason {@value #REASON} or
 *       {@value #REFUSED_REASON}) unless an outcome has reached the call log by then: a bridge that is alive but was
 *       cut off from the gateway ends its session and publishes its own outcome, normally within milliseconds, and
 *       that one stands (as does the live session's when the refusal was of a second stream for its call).</li>
 * </ol>
 * The apology is bounded by the Twilio client's timeout and circuit breaker; when Twilio cannot be told, the stream
 * is closed anyway and Twilio ends the call.
 */
public class BridgeLoss {

    private static final Logger log = LoggerFactory.getLogger(BridgeLoss.class);
    public static final String MESSAGE = "We are sorry, the connection to our assistant was lost. Please call again. "
            + "Goodbye.";
    public static final String REASON = "media_bridge_lost";
    public static final String REFUSED_MESSAGE = "We are sorry, our assistant cannot take your call right now. "
            + "Please call again in a few minutes. Goodbye.";
    public static final String REFUSED_REASON = "media_bridge_refused";
    private static final String TWIML = TwimlResponses.sayAndHangUp(MESSAGE);
    private static final String REFUSED_TWIML = TwimlResponses.sayAndHangUp(REFUSED_MESSAGE);

    private final TwilioCallClient twilio;
    private final CallLogRepository calls;
    private final EventPublisher events;
    private final Duration grace;
    private final Counter lost;
    private final Counter refused;
    private final Counter askedAgain;
    private final ObservationRegistry observations;

    public BridgeLoss(TwilioCallClient twilio, CallLogRepository calls, EventPublisher events, Duration grace,
                      MeterRegistry meters, ObservationRegistry observations) {
        this.observations = observations;
        this.twilio = twilio;
        this.calls = calls;
        this.events = events;
        this.grace = grace;
        this.lost = streamsEnded(meters, "lost");
        this.refused = streamsEnded(meters, "refused");
        this.askedAgain = Counter.builder("voice.gateway.bridge.refusals_retried")
                .description("Streams a media bridge refused at capacity that the gateway asked the bridge service for "
                        + "again").register(meters);
    }

    private static Counter streamsEnded(MeterRegistry meters, String reason) {
        return Counter.builder("voice.gateway.bridge.streams_failed").tag("reason", reason)
                .description("Streams whose media bridge was lost or refused them; the caller heard an apology")
                .register(meters);
    }

    /** A bridge refused the stream at capacity, and the gateway asks the bridge service again. */
    public void askingAgain(MediaTokenClaims claims) {
        askedAgain.increment();
        log.info("call {}: the media bridge is at capacity; asking the bridge service again", claims.callSid());
    }

    /**
     * The bridge of this stream is gone: apologises to the caller (completes once Twilio has the new instructions or
     * could not be told) and schedules the fallback outcome.
     */
    public Mono<Void> lost(MediaTokenClaims claims, Instant streamStarted, String detail) {
        log.warn("call {}: media bridge lost ({}); the caller hears an apology", claims.callSid(), detail);
        lost.increment();
        return endCall(claims, TWIML, outcome(claims, streamStarted, REASON, "The media bridge was lost during the "
                + "call (" + detail + "); the gateway played an apology and hung up."));
    }

    /**
     * The bridge refused this stream before it said anything ({@code detail}: its close code and reason): apologises
     * to the caller and schedules the fallback outcome, as for a loss.
     */
    public Mono<Void> refused(MediaTokenClaims claims, Instant streamStarted, String detail) {
        log.warn("call {}: the media bridge refused the stream ({}); the caller hears an apology", claims.callSid(),
                detail);
        refused.increment();
        return endCall(claims, REFUSED_TWIML, outcome(claims, streamStarted, REFUSED_REASON, "The media bridge "
                + "refused the call (" + detail + "); the gateway played an apology and hung up."));
    }

    /**
     * The apology and, after the grace, the outcome, each a span of the call's own trace (the media token's
     * {@code traceparent}): an SRE who opens the call in the tracing UI sees why it ended, and the outcome's consumers
     * join that trace.
     */
    private Mono<Void> endCall(MediaTokenClaims claims, String twiml, SessionOutcome outcome) {
        recordUnlessReported(claims, outcome);
        return TraceContinuation.continuing(observations, "media bridge apology", claims.traceparent(),
                        twilio.sayAndHangUp(claims.callSid(), twiml))
                .onErrorResume(e -> {
                    log.warn("call {}: could not give the caller the apology: {}", claims.callSid(), e.toString());
                    return Mono.empty();
                });
    }

    private void recordUnlessReported(MediaTokenClaims claims, SessionOutcome outcome) {
        Mono.delay(grace)
                .then(calls.findByCallSid(claims.callSid())
                        .map(call -> call.outcome() == null ? "" : call.outcome()).defaultIfEmpty(""))
                .filter(String::isEmpty)
                .flatMap(none -> TraceContinuation.continuing(observations, "media bridge fallback outcome",
                        claims.traceparent(), events.publish(claims.tenantId(), claims.callSid(), outcome)))
                .subscribe(published -> log.warn("call {}: no outcome from the media bridge within {}; recorded {} "
                                + "(reason {})", claims.callSid(), grace, Outcome.FAILED.wire(),
                                outcome.escalationReason()),
                        e -> log.error("call {}: could not record the outcome of a call whose media bridge was lost "
                                + "or refused it: {}", claims.callSid(), e.toString()));
    }

    /** The outcome the gateway records: the call ended now, when the bridge was found lost or refused it. */
    static SessionOutcome outcome(MediaTokenClaims claims, Instant started, String reason, String summary) {
        Instant ended = Instant.now();
        return new SessionOutcome(Outcome.FAILED, null, claims.agentVersionId(), claims.caller(), started, ended,
                Math.max(0, Duration.between(started, ended).toMillis()), null, 0, 0, 0, List.of(), reason, summary);
    }
}
