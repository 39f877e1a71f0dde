package dev.voiceagent.bridge.support;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Session behaviour of this bridge instance ({@code voice.bridge.*}). {@code instanceId} names the instance's
 * tool reply topic and defaults to the host name.
 */
@ConfigurationProperties("voice.bridge")
public record BridgeProperties(
        String instanceId,
        @DefaultValue("8s") Duration toolTimeout,
        @DefaultValue("1500ms") Duration fillerThreshold,
        @DefaultValue("10s") Duration startTimeout,
        @DefaultValue("250") int modelQueueFrames,
        @DefaultValue("500") int twilioQueueFrames,
        @DefaultValue("In one short sentence, tell the caller you are still checking and will be right back.")
        String fillerInstructions,
        @DefaultValue("Apologize briefly: the system did not answer in time. Offer to try again or to arrange a callback.")
        String apologyInstructions,
        @DefaultValue("Greet the caller with exactly these words, then wait for them: ") String greetingPrefix) {

    public BridgeProperties {
        if (instanceId == null || instanceId.isBlank()) {
            instanceId = hostName();
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "media-bridge";
        }
    }
}
