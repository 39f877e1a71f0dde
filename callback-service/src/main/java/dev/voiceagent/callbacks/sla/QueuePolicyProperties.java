package dev.voiceagent.callbacks.sla;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The queue's policies ({@code voice.callbacks.*} beside the SLA table): how often the sweeper runs, when a task
 * is at risk, when a breached task expires, events to the tenant's webhook, SLA alerts by SMS to the tenant's
 * on-call number, and reconciliation with call logs.
 */
@ConfigurationProperties("voice.callbacks")
public record QueuePolicyProperties(@DefaultValue("30s") Duration sweepInterval,
                                    @DefaultValue("0.25") double atRiskShare,
                                    @DefaultValue Expiry expiry,
                                    @DefaultValue Notifications notifications,
                                    @DefaultValue OnCallSms onCallSms,
                                    @DefaultValue Reconciliation reconciliation) {

    private static final Duration LEASE_MARGIN = Duration.ofSeconds(30);

    /** A task still open (or claimed, if included) this long after its due time expires. */
    public record Expiry(@DefaultValue("true") boolean enabled, @DefaultValue("24h") Duration afterDue,
                         @DefaultValue("false") boolean includeClaimed) {
    }

    /**
     * Signed webhook events (call completed, task lifecycle, SLA): HMAC-SHA256 secret per tenant (else the
     * default; none means not sent), timeout per attempt, attempts before an event is dead, back-off between
     * attempts; how often due events are looked for, how many tenants are sent to at once (each tenant's events
     * one at a time) and how many of one tenant's events are leased together.
     */
    public record Notifications(@DefaultValue("true") boolean enabled, Map<String, String> secrets,
                                String defaultSecret, @DefaultValue("5s") Duration timeout,
                                @DefaultValue("6") int maxAttempts, @DefaultValue("10s") Duration initialBackoff,
                                @DefaultValue("10m") Duration maxBackoff,
                                @DefaultValue("2s") Duration deliveryInterval,
                                @DefaultValue("8") int concurrency, @DefaultValue("10") int batchSize) {

        public Notifications {
            secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
            concurrency = Math.max(1, concurrency);
            batchSize = Math.max(1, batchSize);
        }

        /**
         * How long a leased batch stays with its sender: every send of the batch may take the whole timeout, one at a
         * time, and the margin covers the database writes between them; so a lease never runs out while its batch
         * is still being sent, and no other sender takes the same events.
         */
        public Duration lease() {
            return timeout.multipliedBy(batchSize).plus(LEASE_MARGIN);
        }

        /** The tenant's signing secret, if any. */
        public String secretOf(String tenantId) {
            String secret = secrets.get(tenantId);
            return secret != null && !secret.isBlank() ? secret
                    : defaultSecret != null && !defaultSecret.isBlank() ? defaultSecret : null;
        }

        /** The wait after failed attempt {@code attempt} (1-based): the initial back-off doubled per attempt, capped. */
        public Duration backoff(int attempt) {
            Duration next = initialBackoff.multipliedBy(1L << Math.min(20, Math.max(0, attempt - 1)));
            return next.compareTo(maxBackoff) > 0 ? maxBackoff : next;
        }

        /** Never print secrets. */
        @Override
        public String toString() {
            return "Notifications[enabled=" + enabled + ", tenants with secrets=" + secrets.keySet() + "]";
        }
    }

    /**
     * SLA alerts by SMS to the tenant's {@code on_call_number}, sent through the tool executor's {@code sms} tool;
     * {@code retry} is the wait before a request that could not be published is tried again.
     */
    public record OnCallSms(@DefaultValue("true") boolean enabled, @DefaultValue("30s") Duration retry) {
    }

    /**
     * A completed call still without an outcome {@code unknownOutcomeAfter} after this service saw it complete gets a
     * task {@code unknown_outcome}.
     */
    public record Reconciliation(@DefaultValue("true") boolean enabled,
                                 @DefaultValue("5m") Duration unknownOutcomeAfter) {
    }
}
