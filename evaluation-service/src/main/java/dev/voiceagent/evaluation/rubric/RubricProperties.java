package dev.voiceagent.evaluation.rubric;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** Thresholds of the rule-based rubric ({@code voice.evaluation.*}). */
@ConfigurationProperties("voice.evaluation")
public record RubricProperties(@DefaultValue("1500ms") Duration firstAudioThreshold,
                               @DefaultValue("0.7") double passThreshold) {
}
