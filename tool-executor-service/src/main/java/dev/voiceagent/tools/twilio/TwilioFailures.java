package dev.voiceagent.tools.twilio;

import com.twilio.exception.ApiException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;

/** How a failed Twilio request is to be read: did Twilio certainly not act, and does it count against the breaker. */
public final class TwilioFailures {

    /** Twilio: "Attempt to send to unsubscribed recipient" (the recipient replied STOP). */
    public static final int UNSUBSCRIBED_RECIPIENT = 21610;

    private TwilioFailures() {
    }

    /**
     * True when the request certainly did not take effect: no connection was made, Twilio answered 429 (rejected
     * before processing), or the breaker refused to try. Only these may be retried or reported as "not sent".
     */
    public static boolean notSent(Throwable e) {
        if (e instanceof CallNotPermittedException) {
            return true;
        }
        if (e instanceof ApiException api && api.getStatusCode() != null) {
            return api.getStatusCode() == 429 || isClientError(api);
        }
        return causedByConnectFailure(e);
    }

    /** Worth retrying: not sent and not a refusal that would only repeat (4xx other than 429, open breaker). */
    public static boolean retryable(Throwable e) {
        if (e instanceof ApiException api && api.getStatusCode() != null) {
            return api.getStatusCode() == 429;
        }
        return causedByConnectFailure(e);
    }

    /** Counts against the breaker: no answer, a timeout, 5xx or 429; Twilio's 4xx refusals do not. */
    public static boolean isTransient(Throwable e) {
        if (e instanceof ApiException api && api.getStatusCode() != null) {
            return api.getStatusCode() >= 500 || api.getStatusCode() == 429;
        }
        return e instanceof ApiException || e instanceof TimeoutException
                || e instanceof com.twilio.exception.ApiConnectionException;
    }

    /** Twilio refused the request as invalid (4xx other than 429). */
    public static boolean isClientError(ApiException api) {
        Integer status = api.getStatusCode();
        return status != null && status >= 400 && status < 500 && status != 429;
    }

    public static Integer code(Throwable e) {
        return e instanceof ApiException api ? api.getCode() : null;
    }

    private static boolean causedByConnectFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
