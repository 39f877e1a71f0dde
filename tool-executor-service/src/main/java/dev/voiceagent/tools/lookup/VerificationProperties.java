package dev.voiceagent.tools.lookup;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Caller verification by PIN ({@code voice.tools.verification.*}): after {@code maxFailures} wrong PINs for one account
 * within {@code lockout} (counted from the first), its PIN is not checked again until that window has passed.
 */
@ConfigurationProperties("voice.tools.verification")
public record VerificationProperties(@DefaultValue("5") int maxFailures, @DefaultValue("15m") Duration lockout) {

    public VerificationProperties {
        if (maxFailures < 1) {
            throw new IllegalArgumentException("voice.tools.verification.max-failures must be at least 1");
        }
        if (lockout.isNegative() || lockout.isZero()) {
            throw new IllegalArgumentException("voice.tools.verification.lockout must be positive");
        }
    }
}
