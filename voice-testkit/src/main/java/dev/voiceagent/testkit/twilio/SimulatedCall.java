package dev.voiceagent.testkit.twilio;

import java.util.List;
import java.util.Map;

/** A snapshot of one simulated call: its REST view, the TwiML it ran and what happened on its media stream. */
public record SimulatedCall(
        String sid,
        String accountSid,
        String from,
        String to,
        String direction,
        String status,
        List<String> statusHistory,
        List<String> twimlReceived,
        String streamUrl,
        Map<String, String> customParameters,
        String streamSid,
        int mediaFramesSent,
        Map<String, Integer> streamEventsReceived,
        List<String> marksEchoed,
        int clearsObeyed,
        long agentAudioMsReceived,
        long agentAudioMsHeard,
        List<String> dtmfSent,
        String keysHeard,
        List<String> callerTurnsSpoken,
        List<String> says,
        String transferredTo,
        Integer streamCloseCode,
        String endedBy,
        Integer durationSeconds,
        String error,
        List<Webhook> webhooks) {

    /** Whether the call has reached a final status. */
    public boolean ended() {
        return List.of("completed", "failed", "busy", "no-answer", "canceled").contains(status);
    }

    /** The status callbacks posted, in order. */
    public List<Webhook> statusCallbacks() {
        return webhooks.stream().filter(hook -> "status".equals(hook.kind())).toList();
    }

    /** How many frames of this event type the server sent on the media stream. */
    public int received(String event) {
        return streamEventsReceived.getOrDefault(event, 0);
    }
}
