package dev.voiceagent.evaluation.scoring;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long an outcome waits for the evidence it announces before it is scored with what is stored
 * ({@code voice.evaluation.evidence-wait}; 0 scores at once) and how often the store is looked at meanwhile
 * ({@code evidence-poll}).
 */
@ConfigurationProperties("voice.evaluation")
public record EvidenceProperties(@DefaultValue("5s") Duration evidenceWait,
                                 @DefaultValue("250ms") Duration evidencePoll) {

    public EvidenceProperties {
        evidenceWait = evidenceWait == null ? Duration.ofSeconds(5) : evidenceWait.isNegative() ? Duration.ZERO : evidenceWait;
        evidencePoll = evidencePoll == null || evidencePoll.toMillis() < 1 ? Duration.ofMillis(250) : evidencePoll;
    }
}
