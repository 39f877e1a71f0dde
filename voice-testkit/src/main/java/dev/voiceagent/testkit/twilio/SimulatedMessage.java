package dev.voiceagent.testkit.twilio;

import java.util.List;

/** A snapshot of one SMS sent through the simulator. */
public record SimulatedMessage(String sid, String accountSid, String from, String to, String body,
                               String status, List<String> statusHistory, String statusCallback,
                               List<Webhook> webhooks) {
}
