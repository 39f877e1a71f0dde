package dev.voiceagent.evaluation.rubric;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the rules-v2 checks ({@code voice.evaluation.rubric.*}): the phrases that count as asking each
 * consent, the consents required when the agent version's contract is unknown, the dead-air and tool-latency
 * limits, and the identity states that mean verified or failed.
 */
@ConfigurationProperties("voice.evaluation.rubric")
public record RubricChecks(Map<String, List<String>> consentPhrases, List<String> requiredConsents,
                           @DefaultValue("4s") Duration deadAirThreshold,
                           @DefaultValue("2500ms") Duration toolLatencyThreshold,
                           List<String> verifiedIdentityStates, List<String> failedIdentityStates) {

    /** Phrases used when none are configured. */
    public static final Map<String, List<String>> DEFAULT_PHRASES = Map.of(
            "ai_disclosure", List.of("virtual assistant", "ai assistant", "automated assistant", "an ai",
                    "artificial intelligence"),
            "recording", List.of("recorded", "recording"));

    /** The defaults, for code that builds a rubric outside Spring. */
    public static final RubricChecks DEFAULTS = new RubricChecks(null, null, Duration.ofSeconds(4),
            Duration.ofMillis(2500), null, null);

    public RubricChecks {
        consentPhrases = consentPhrases == null || consentPhrases.isEmpty() ? DEFAULT_PHRASES : Map.copyOf(consentPhrases);
        requiredConsents = requiredConsents == null ? List.of() : List.copyOf(requiredConsents);
        deadAirThreshold = deadAirThreshold == null ? Duration.ofSeconds(4) : deadAirThreshold;
        toolLatencyThreshold = toolLatencyThreshold == null ? Duration.ofMillis(2500) : toolLatencyThreshold;
        verifiedIdentityStates = verifiedIdentityStates == null
                ? List.of("verified", "authenticated") : List.copyOf(verifiedIdentityStates);
        failedIdentityStates = failedIdentityStates == null
                ? List.of("failed", "unverified", "rejected") : List.copyOf(failedIdentityStates);
    }
}
