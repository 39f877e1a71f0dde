package dev.voiceagent.support;

import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.RetriableException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;

/** Tells an outage of the database or the broker (worth waiting out) from a failure retrying cannot fix. */
public final class InfrastructureFailures {

    private InfrastructureFailures() {
    }

    /** Whether anything in the cause chain says a database or broker could not be reached or did not answer. */
    public static boolean isOutage(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DataAccessResourceFailureException || t instanceof TransientDataAccessException
                    || t instanceof R2dbcNonTransientResourceException || t instanceof R2dbcTransientException
                    || t instanceof RetriableException || t instanceof TimeoutException
                    || t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the database could not be reached (connection refused or lost, no connection from the pool in
     * time). Narrower than {@link #isOutage}: a timeout from anything else — a Twilio call, say — is not in it, so
     * re-running the work cannot repeat an effect whose outcome is unknown.
     */
    public static boolean isDatabaseUnreachable(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DataAccessResourceFailureException || t instanceof R2dbcNonTransientResourceException
                    || t instanceof R2dbcTransientResourceException) {
                return true;
            }
        }
        return false;
    }
}
