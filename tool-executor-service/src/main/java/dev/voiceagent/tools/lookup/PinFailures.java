package dev.voiceagent.tools.lookup;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/**
 * Wrong PINs per account ({@code tools.pin_failures}), shared by every executor instance and kept across calls, so
 * that the limit holds for a caller who rings again or is answered by another pod. Times are the database's, so all
 * instances count the same window.
 */
@Repository
public class PinFailures {

    private final DatabaseClient db;
    private final VerificationProperties properties;

    public PinFailures(DatabaseClient db, VerificationProperties properties) {
        this.db = db;
        this.properties = properties;
    }

    /** True when the account had {@code max-failures} wrong PINs in the current window: its PIN is not checked. */
    public Mono<Boolean> lockedOut(String tenantId, String accountNumber) {
        return db.sql("SELECT failures FROM pin_failures WHERE tenant_id = :tenant AND account_number = :number "
                        + "AND window_started_at > now() - make_interval(secs => :window)")
                .bind("tenant", tenantId)
                .bind("number", accountNumber)
                .bind("window", (double) properties.lockout().toMillis() / 1000)
                .map(row -> row.get("failures", Integer.class))
                .one()
                .map(failures -> failures >= properties.maxFailures())
                .defaultIfEmpty(false);
    }

    /** Counts a wrong PIN: the first of a new window when the last window has passed. */
    public Mono<Void> failed(String tenantId, String accountNumber) {
        return db.sql("INSERT INTO pin_failures (tenant_id, account_number, failures, window_started_at) "
                        + "VALUES (:tenant, :number, 1, now()) ON CONFLICT (tenant_id, account_number) DO UPDATE SET "
                        + "failures = CASE WHEN pin_failures.window_started_at > now() - make_interval(secs => :window) "
                        + "THEN pin_failures.failures + 1 ELSE 1 END, "
                        + "window_started_at = CASE WHEN pin_failures.window_started_at > now() "
                        + "- make_interval(secs => :window) THEN pin_failures.window_started_at ELSE now() END")
                .bind("tenant", tenantId)
                .bind("number", accountNumber)
                .bind("window", (double) properties.lockout().toMillis() / 1000)
                .then();
    }

    /** A correct PIN: the account's count starts again. */
    public Mono<Void> succeeded(String tenantId, String accountNumber) {
        return db.sql("DELETE FROM pin_failures WHERE tenant_id = :tenant AND account_number = :number")
                .bind("tenant", tenantId)
                .bind("number", accountNumber)
                .then();
    }
}
