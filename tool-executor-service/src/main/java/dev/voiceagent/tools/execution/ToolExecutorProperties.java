package dev.voiceagent.tools.execution;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of tool execution ({@code voice.tools.*}): the cut-off for one tool ({@code timeout}; {@code twilioTimeout}
 * for the tools that call Twilio, sms and escalation), the public base URL at which Twilio reaches this service (SMS
 * status callbacks, transfer whispers) and which it signs, and the age beyond which a call's request is answered
 * {@code timeout} without running.
 *
 * <p>The age rule: a request may only run while the bridge can still use its answer. The bridge stops waiting
 * {@code bridgeToolTimeout} after it asked (its {@code voice.bridge.tool-timeout}, which this service cannot read, so
 * it is repeated here); a request that starts running at age {@code a} may answer as late as {@code a} plus its tool's
 * timeout; and this host's clock may run up to {@code clockSkew} behind the bridge's, so a request may be that much
 * older than it looks (the allowance also covers the answer's way back through Kafka). Hence
 * {@code maxRequestAge + tool timeout + clockSkew <= bridgeToolTimeout}; unset, each tool's age is the most that allows
 * (5 s for most tools, 2 s for the Twilio tools, with the defaults), and a configured age that breaks the rule for any
 * tool fails the start. (The age once defaulted to the bridge's wait <em>plus</em> 2 s for clocks: a request picked
 * up after 8.5 s of lag sent its text after the caller had heard that the tool did not answer.)
 *
 * <p>{@code twilioTimeout} covers a Twilio request with its retries (checked at start against
 * {@code voice.twilio.timeout}, see {@code TwilioConfiguration}): 5 s for 1.5 s × 3 attempts and their back-offs. A
 * single timeout of 2 s for every tool once let a transfer or a text cut off by it still be made at Twilio while the
 * answer said that it failed; one of 5 s for every tool cut every lookup's request age to 2 s.
 */
@ConfigurationProperties("voice.tools")
public record ToolExecutorProperties(@DefaultValue("2s") Duration timeout,
                                     @DefaultValue("http://localhost:8083") String publicBaseUrl,
                                     Duration maxRequestAge,
                                     @DefaultValue("8s") Duration bridgeToolTimeout,
                                     @DefaultValue("1s") Duration clockSkew,
                                     @DefaultValue("5s") Duration twilioTimeout) {

    public ToolExecutorProperties {
        publicBaseUrl = publicBaseUrl.endsWith("/") ? publicBaseUrl.substring(0, publicBaseUrl.length() - 1)
                : publicBaseUrl;
        Duration longest = timeout.compareTo(twilioTimeout) >= 0 ? timeout : twilioTimeout;
        Duration latest = bridgeToolTimeout.minus(longest).minus(clockSkew);
        if (latest.isNegative() || latest.isZero()) {
            throw new IllegalArgumentException("voice.tools.timeout (" + timeout + ") or voice.tools.twilio-timeout ("
                    + twilioTimeout + ") plus voice.tools.clock-skew (" + clockSkew + ") leaves no time within "
                    + "voice.tools.bridge-tool-timeout (" + bridgeToolTimeout + ", the bridge's "
                    + "voice.bridge.tool-timeout): every answer would reach the bridge after it gave up");
        }
        if (maxRequestAge != null && maxRequestAge.compareTo(latest) > 0) {
            throw new IllegalArgumentException("voice.tools.max-request-age (" + maxRequestAge + ") plus the longest "
                    + "tool timeout (" + longest + ") and voice.tools.clock-skew (" + clockSkew + ") exceeds "
                    + "voice.tools.bridge-tool-timeout (" + bridgeToolTimeout + "): a request could still run after "
                    + "the bridge told the caller it did not answer; at most " + latest + " fits");
        }
    }

    /** The cut-off of a tool that calls Twilio, or of any other. */
    public Duration timeoutFor(boolean callsTwilio) {
        return callsTwilio ? twilioTimeout : timeout;
    }

    /** The age beyond which such a tool's request is not run: the configured age, else the most its timeout allows. */
    public Duration maxRequestAgeFor(boolean callsTwilio) {
        return maxRequestAge != null ? maxRequestAge
                : bridgeToolTimeout.minus(timeoutFor(callsTwilio)).minus(clockSkew);
    }
}
