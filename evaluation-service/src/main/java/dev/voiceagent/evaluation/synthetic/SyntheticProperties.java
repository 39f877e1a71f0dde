package dev.voiceagent.evaluation.synthetic;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Synthetic runs ({@code voice.evaluation.gateway-url}, {@code voice.evaluation.synthetic.*}): the gateway whose
 * make-call places the calls, the number they dial, the make-call timeout, how many calls are placed at once, how
 * long a run waits for evaluations before it is reported {@code timed_out}, and — only where calls reach the
 * simulators (the local stack) — the Twilio simulator's control URL each call's script is registered with.
 */
@ConfigurationProperties("voice.evaluation")
public record SyntheticProperties(@DefaultValue("http://localhost:8080") String gatewayUrl,
                                  @DefaultValue Synthetic synthetic) {

    /** Settings of the run itself. */
    public record Synthetic(@DefaultValue("+15555550123") String toNumber,
                            @DefaultValue("10s") Duration timeout,
                            @DefaultValue("2") int concurrency,
                            @DefaultValue("15m") Duration resultTimeout,
                            String simulatorControlUrl) {

        /** Whether calls are scripted through the simulators' control endpoint. */
        public boolean simulated() {
            return simulatorControlUrl != null && !simulatorControlUrl.isBlank();
        }
    }
}
