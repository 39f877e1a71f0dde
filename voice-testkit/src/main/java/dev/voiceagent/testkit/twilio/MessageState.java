package dev.voiceagent.testkit.twilio;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The mutable record of one simulated SMS, read as {@link SimulatedMessage} snapshots. */
final class MessageState {

    final String sid;
    final String accountSid;
    final String from;
    final String to;
    final String body;
    final String statusCallback;
    final Instant created = Instant.now();
    private final List<String> statusHistory = new ArrayList<>();
    private final List<Webhook> webhooks = new ArrayList<>();
    private String status;

    MessageState(String sid, String accountSid, String from, String to, String body, String statusCallback) {
        this.sid = sid;
        this.accountSid = accountSid;
        this.from = from;
        this.to = to;
        this.body = body;
        this.statusCallback = statusCallback;
        status("queued");
    }

    synchronized void status(String next) {
        status = next;
        statusHistory.add(next);
    }

    synchronized void webhook(Webhook hook) {
        webhooks.add(hook);
    }

    synchronized SimulatedMessage snapshot() {
        return new SimulatedMessage(sid, accountSid, from, to, body, status, List.copyOf(statusHistory), statusCallback,
                List.copyOf(webhooks));
    }
}
