package dev.voiceagent.callbacks.sla;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The queue's policies ({@code voice.callbacks.*} beside the SLA table): how often the sweeper runs, when a task
 * is at risk, when a breached task expires, SLA notifications to the tenant's webhook, and reconciliation with
 * call logs.
 */
@ConfigurationProperties("voice.callbacks")
public record QueuePolicyProperties(@DefaultValue("30s") Duration sweepInterval,
                                    @DefaultValue("0.25") double atRiskShare,
                                    @DefaultValue Expiry expiry,
                                    @DefaultValue Notifications notifications,
                                    @DefaultValue Reconciliation reconciliation) {

    /** A task still open (or claimed, if included) this long after its due time expires. */
    public record Expiry(@DefaultValue("true") boolean enabled, @DefaultValue("24h") Duration afterDue,
                         @DefaultValue("false") boolean includeClaimed) {
    }

    /**
     * Signed webhook notifications: HMAC-SHA256 secret per tenant (else the default; none means not sent),
     * timeout per attempt, attempts before a notification is dead, back-off between attempts.
     */
    public record Notifications(@DefaultValue("true") boolean enabled, Map<String, String> secrets,
                                String defaultSecret, @DefaultValue("5s") Duration timeout,
                                @DefaultValue("6") int maxAttempts, @DefaultValue("10s") Duration initialBackoff,
                                @DefaultValue("10m") Duration maxBackoff) {

        public Notifications {
            secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
        }

        /** The tenant's signing secret, if any. */
        public String secretOf(String tenantId) {
            String secret = secrets.get(tenantId);
            return secret != null && !secret.isBlank() ? secret
                    : defaultSecret != null && !defaultSecret.isBlank() ? defaultSecret : null;
        }

        /** Never print secrets. */
        @Override
        public String toString() {
            return "Notifications[enabled=" + enabled + ", tenants with secrets=" + secrets.keySet() + "]";
        }
    }

    /** A completed call with no outcome after {@code unknownOutcomeAfter} gets a task {@code unknown_outcome}. */
    public record Reconciliation(@DefaultValue("true") boolean enabled,
                                 @DefaultValue("5m") Duration unknownOutcomeAfter) {
    }
}
