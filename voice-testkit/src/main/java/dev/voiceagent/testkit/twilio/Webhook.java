package dev.voiceagent.testkit.twilio;

import java.util.Map;

/**
 * A signed request the simulator made to the application: {@code kind} is {@code voice} (TwiML fetch),
 * {@code status} (call status callback) or {@code message-status}; {@code responseStatus} is 0 when it failed.
 */
public record Webhook(String kind, String method, String url, Map<String, String> params, String signature,
                      int responseStatus) {
}
