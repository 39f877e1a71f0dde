package dev.voiceagent.gateway.media;

import dev.voiceagent.contracts.Outcome;
import dev.voiceagent.contracts.SessionOutcome;
import dev.voiceagent.gateway.calllog.CallLogRepository;
import dev.voiceagent.gateway.outbound.TwilioCallClient;
import dev.voiceagent.gateway.twilio.TwimlResponses;
import dev.voiceagent.support.EventPublisher;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * A live stream whose media bridge is gone — its connection dropped without a close frame (the bridge process died,
 * its node was lost) or it could not be reached at all. Nobody else is left to speak to the caller or to say how the
 * call ended, so the gateway does both:
 * <ol>
 *   <li>replaces the call's instructions through Twilio's REST API with a short apology and a hang-up (instead of
 *       dead air, then a dropped line), before it closes the stream;</li>
 *   <li>after {@code grace}, publishes the call's outcome ({@code failed}, reason {@value #REASON}) unless an outcome
 *       has reached the call log by then: a bridge that is alive but was cut off from the gateway ends its session
 *       and publishes its own outcome, normally within milliseconds, and that one stands.</li>
 * </ol>
 * The apology is bounded by the Twilio client's timeout and circuit breaker; when Twilio cannot be told, the stream
 * is closed anyway and Twilio ends the call.
 */
public class BridgeLoss {

    private static final Logger log = LoggerFactory.getLogger(BridgeLoss.class);
    public static final String MESSAGE = "We are sorry, the connection to our assistant was lost. Please call again. "
            + "Goodbye.";
    public static final String REASON = "media_bridge_lost";
    private static final String TWIML = TwimlResponses.sayAndHangUp(MESSAGE);

    private final TwilioCallClient twilio;
    private final CallLogRepository calls;
    private final EventPublisher events;
    private final Duration grace;

    public BridgeLoss(TwilioCallClient twilio, CallLogRepository calls, EventPublisher events, Duration grace) {
        this.twilio = twilio;
        this.calls = calls;
        this.events = events;
        this.grace = grace;
    }

    /**
     * The bridge of this stream is gone: apologises to the caller (completes once Twilio has the new instructions or
     * could not be told) and schedules the fallback outcome.
     */
    public Mono<Void> lost(MediaTokenClaims claims, Instant streamStarted, String detail) {
        log.warn("call {}: media bridge lost ({}); the caller hears an apology", claims.callSid(), detail);
        recordUnlessReported(claims, streamStarted, detail);
        return twilio.sayAndHangUp(claims.callSid(), TWIML)
                .onErrorResume(e -> {
                    log.warn("call {}: could not give the caller the apology: {}", claims.callSid(), e.toString());
                    return Mono.empty();
                });
    }

    private void recordUnlessReported(MediaTokenClaims claims, Instant streamStarted, String detail) {
        Mono.delay(grace)
                .then(calls.findByCallSid(claims.callSid())
                        .map(call -> call.outcome() == null ? "" : call.outcome()).defaultIfEmpty(""))
                .filter(String::isEmpty)
                .flatMap(none -> events.publish(claims.tenantId(), claims.callSid(),
                        outcome(claims, streamStarted, Instant.now(), detail)))
                .subscribe(published -> log.warn("call {}: no outcome from the media bridge within {}; recorded {} "
                                + "(reason {})", claims.callSid(), grace, Outcome.FAILED.wire(), REASON),
                        e -> log.error("call {}: could not record the outcome of a call whose media bridge was lost: {}",
                                claims.callSid(), e.toString()));
    }

    static SessionOutcome outcome(MediaTokenClaims claims, Instant started, Instant ended, String detail) {
        long durationMs = Math.max(0, Duration.between(started, ended).toMillis());
        return new SessionOutcome(Outcome.FAILED, null, claims.agentVersionId(), claims.caller(), started, ended,
                durationMs, null, 0, 0, 0, List.of(), REASON,
                "The media bridge was lost during the call (" + detail + "); the gateway played an apology and "
                        + "hung up.");
    }
}
