package dev.voiceagent.tools.lookup;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/**
 * PIN attempts per account ({@code tools.pin_attempts}), shared by every executor instance and kept across calls, so
 * that the limit holds for a caller who rings again, is answered by another pod, or has the model send many guesses at
 * once. An attempt is counted before its PIN is compared, in one statement (the row lock of the upsert puts
 * concurrent attempts for an account in order), and a right PIN then clears the count. Times are the database's, so
 * all instances count the same window.
 */
@Repository
public class PinAttempts {

    private final DatabaseClient db;
    private final VerificationProperties properties;

    public PinAttempts(DatabaseClient db, VerificationProperties properties) {
        this.db = db;
        this.properties = properties;
    }

    /**
     * Counts an attempt at the account's PIN (the first of a new window when the last window has passed) and answers
     * whether it may be checked: only while no more than {@code max-failures} attempts have been counted in the
     * window, this one included, so that after that many wrong PINs none is checked until the window has passed.
     */
    public Mono<Boolean> attempt(String tenantId, String accountNumber) {
        return db.sql("INSERT INTO pin_attempts AS f (tenant_id, account_number, attempts, window_started_at) "
                        + "VALUES (:tenant, :number, 1, now()) ON CONFLICT (tenant_id, account_number) DO UPDATE SET "
                        + "attempts = CASE WHEN f.window_started_at > now() - make_interval(secs => :window) "
                        + "THEN f.attempts + 1 ELSE 1 END, "
                        + "window_started_at = CASE WHEN f.window_started_at > now() - make_interval(secs => :window) "
                        + "THEN f.window_started_at ELSE now() END "
                        + "RETURNING attempts")
                .bind("tenant", tenantId)
                .bind("number", accountNumber)
                .bind("window", (double) properties.lockout().toMillis() / 1000)
                .map(row -> row.get("attempts", Integer.class))
                .one()
                .map(attempts -> attempts <= properties.maxFailures());
    }

    /** A right PIN: the account's count starts again. */
    public Mono<Void> succeeded(String tenantId, String accountNumber) {
        return db.sql("DELETE FROM pin_attempts WHERE tenant_id = :tenant AND account_number = :number")
                .bind("tenant", tenantId)
                .bind("number", accountNumber)
                .then();
    }
}
