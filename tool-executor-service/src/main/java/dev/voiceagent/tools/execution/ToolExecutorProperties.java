package dev.voiceagent.tools.execution;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of tool execution ({@code voice.tools.*}): the cut-off for one tool, the public base URL at which
 * Twilio reaches this service (SMS status callbacks, transfer whispers) and which it signs, and the age beyond which
 * a call's request is answered {@code timeout} without running.
 *
 * <p>The age rule: a request may only run while the bridge can still use its answer. The bridge stops waiting
 * {@code bridgeToolTimeout} after it asked (its {@code voice.bridge.tool-timeout}, which this service cannot read, so
 * it is repeated here); a request that starts running at age {@code a} may answer as late as {@code a + timeout}; and
 * this host's clock may run up to {@code clockSkew} behind the bridge's, so a request may be that much older than it
 * looks (the allowance also covers the answer's way back through Kafka). Hence
 * {@code maxRequestAge + timeout + clockSkew <= bridgeToolTimeout}; unset, the age is the most that allows (2 s with
 * the defaults 8 s − 5 s − 1 s), and a configured age that breaks the rule fails the start. (The age once defaulted
 * to the bridge's wait <em>plus</em> 2 s for clocks: a request picked up after 8.5 s of lag sent its text after the
 * caller had heard that the tool did not answer.)
 *
 * <p>The timeout covers a Twilio request with its retries (checked at start against {@code voice.twilio.timeout},
 * see {@code TwilioConfiguration}): 5 s for 1.5 s × 3 attempts and their back-offs. It used to be 2 s, so a transfer
 * or a text cut off by it could still be made at Twilio while the answer said that it failed.
 */
@ConfigurationProperties("voice.tools")
public record ToolExecutorProperties(@DefaultValue("5s") Duration timeout,
                                     @DefaultValue("http://localhost:8083") String publicBaseUrl,
                                     Duration maxRequestAge,
                                     @DefaultValue("8s") Duration bridgeToolTimeout,
                                     @DefaultValue("1s") Duration clockSkew) {

    public ToolExecutorProperties {
        publicBaseUrl = publicBaseUrl.endsWith("/") ? publicBaseUrl.substring(0, publicBaseUrl.length() - 1)
                : publicBaseUrl;
        Duration latest = bridgeToolTimeout.minus(timeout).minus(clockSkew);
        if (latest.isNegative() || latest.isZero()) {
            throw new IllegalArgumentException("voice.tools.timeout (" + timeout + ") plus voice.tools.clock-skew ("
                    + clockSkew + ") leaves no time within voice.tools.bridge-tool-timeout (" + bridgeToolTimeout
                    + ", the bridge's voice.bridge.tool-timeout): every answer would reach the bridge after it "
                    + "gave up");
        }
        if (maxRequestAge == null) {
            maxRequestAge = latest;
        } else if (maxRequestAge.compareTo(latest) > 0) {
            throw new IllegalArgumentException("voice.tools.max-request-age (" + maxRequestAge + ") plus "
                    + "voice.tools.timeout (" + timeout + ") and voice.tools.clock-skew (" + clockSkew + ") exceeds "
                    + "voice.tools.bridge-tool-timeout (" + bridgeToolTimeout + "): a request could still run after "
                    + "the bridge told the caller it did not answer; at most " + latest + " fits");
        }
    }
}
