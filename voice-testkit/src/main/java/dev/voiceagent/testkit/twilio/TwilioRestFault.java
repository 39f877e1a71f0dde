package dev.voiceagent.testkit.twilio;

import java.time.Duration;

/**
 * A fault the Twilio simulator's REST API plays, as Twilio does during an incident: it answers with a 5xx error
 * without acting, or it acts (creates the call, sends the message) and answers late. {@link #requests()} bounds how
 * many REST requests get it; 0 means every one until the fault is replaced.
 *
 * @param kind       what goes wrong
 * @param httpStatus for {@link Kind#FAIL}: the error status (e.g. 500, 503)
 * @param delay      for {@link Kind#SLOW}: how long each answer is held back after the request has been acted on
 * @param requests   how many REST requests from now on get the fault (0 = all of them)
 */
public record TwilioRestFault(Kind kind, int httpStatus, Duration delay, int requests) {

    /** The ways the REST API fails. */
    public enum Kind { NONE, FAIL, SLOW }

    public TwilioRestFault {
        if (kind == null || delay == null || delay.isNegative() || requests < 0) {
            throw new IllegalArgumentException("invalid Twilio REST fault");
        }
        if (kind == Kind.FAIL && (httpStatus < 500 || httpStatus > 599)) {
            throw new IllegalArgumentException("a failing Twilio answers 5xx, not " + httpStatus);
        }
    }

    /** Every request is answered normally. */
    public static TwilioRestFault none() {
        return new TwilioRestFault(Kind.NONE, 0, Duration.ZERO, 0);
    }

    /** Requests are answered with {@code httpStatus} and a Twilio error body, and not acted on. */
    public static TwilioRestFault failing(int httpStatus) {
        return new TwilioRestFault(Kind.FAIL, httpStatus, Duration.ZERO, 0);
    }

    /** Requests are acted on at once and answered after {@code delay}. */
    public static TwilioRestFault slow(Duration delay) {
        return new TwilioRestFault(Kind.SLOW, 0, delay, 0);
    }

    /** The same fault for only the next {@code count} requests. */
    public TwilioRestFault forRequests(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be positive");
        }
        return new TwilioRestFault(kind, httpStatus, delay, count);
    }
}
