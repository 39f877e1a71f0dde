package dev.voiceagent.testkit.twilio;

import dev.voiceagent.testkit.audio.Tones;
import dev.voiceagent.testkit.scenario.Scenario;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The mutable record of one simulated call, written by the REST handler, the call flow and the media session,
 * read as {@link SimulatedCall} snapshots. Holds no locks while calling out, so it never deadlocks with them.
 */
final class CallState {

    private static final int MAX_KEPT = 10_000;

    final String sid;
    final String accountSid;
    final String from;
    final String to;
    final String direction;
    final String voiceUrl;
    final String voiceMethod;
    final String inlineTwiml;
    final String statusCallback;
    final String statusCallbackMethod;
    final Set<String> statusCallbackEvents;
    /** What the simulated caller does on this call's media stream. */
    final Scenario script;
    final Instant created = Instant.now();

    private String status;
    private final List<String> statusHistory = new ArrayList<>();
    private final List<String> twimlReceived = new ArrayList<>();
    private final List<String> says = new ArrayList<>();
    private final List<Webhook> webhooks = new ArrayList<>();
    private final Map<String, Integer> streamEventsReceived = new LinkedHashMap<>();
    private final List<String> marksEchoed = new ArrayList<>();
    private final List<String> dtmfSent = new ArrayList<>();
    /** Keypad tones heard in the agent's audio, in order. */
    private final StringBuilder keysHeard = new StringBuilder();
    private final List<String> callerTurnsSpoken = new ArrayList<>();
    private Map<String, String> customParameters = Map.of();
    private String streamUrl;
    private String streamSid;
    private int mediaFramesSent;
    private int clearsObeyed;
    private long agentBytesReceived;
    private long agentBytesHeard;
    private String transferredTo;
    private Integer streamCloseCode;
    private String endedBy;
    private String endRequested;
    private Integer durationSeconds;
    private String error;
    private Instant answered;
    private CallerMediaSession media;
    private int callbackSequence;

    CallState(String sid, String accountSid, String from, String to, String direction, String voiceUrl,
              String voiceMethod, String inlineTwiml, String statusCallback, String statusCallbackMethod,
              Set<String> statusCallbackEvents, String initialStatus, Scenario script) {
        this.sid = sid;
        this.accountSid = accountSid;
        this.from = from;
        this.to = to;
        this.direction = direction;
        this.voiceUrl = voiceUrl;
        this.voiceMethod = voiceMethod;
        this.inlineTwiml = inlineTwiml;
        this.statusCallback = statusCallback;
        this.statusCallbackMethod = statusCallbackMethod;
        this.statusCallbackEvents = Set.copyOf(statusCallbackEvents);
        this.script = script;
        status(initialStatus);
    }

    synchronized String status() {
        return status;
    }

    synchronized void status(String next) {
        status = next;
        statusHistory.add(next);
        if ("in-progress".equals(next) && answered == null) {
            answered = Instant.now();
        }
    }

    synchronized int nextCallbackSequence() {
        return callbackSequence++;
    }

    synchronized int finish(String finalStatus) {
        durationSeconds = answered == null ? 0 : (int) Math.ceil((Instant.now().toEpochMilli() - answered.toEpochMilli()) / 1000.0);
        status(finalStatus);
        return durationSeconds;
    }

    synchronized void twiml(String xml) {
        twimlReceived.add(xml);
    }

    synchronized void said(String text) {
        says.add(text);
    }

    synchronized void webhook(Webhook hook) {
        if (webhooks.size() < MAX_KEPT) {
            webhooks.add(hook);
        }
    }

    synchronized void stream(String url, Map<String, String> parameters, String sid) {
        streamUrl = url;
        customParameters = parameters;
        streamSid = sid;
    }

    synchronized void mediaAttached(CallerMediaSession session) {
        media = session;
    }

    /** Asks the call to end; returns the media session to hang up (outside this lock), or null. */
    synchronized CallerMediaSession requestEnd(String reason) {
        if (endRequested == null) {
            endRequested = reason;
        }
        return media;
    }

    synchronized String endRequested() {
        return endRequested;
    }

    synchronized void transferredTo(String target) {
        transferredTo = target;
    }

    synchronized void error(String message) {
        error = message;
    }

    synchronized void frameSent() {
        mediaFramesSent++;
    }

    synchronized void eventReceived(String event) {
        streamEventsReceived.merge(event, 1, Integer::sum);
    }

    synchronized void markEchoed(String name) {
        if (marksEchoed.size() < MAX_KEPT) {
            marksEchoed.add(name);
        }
    }

    synchronized void clearObeyed() {
        clearsObeyed++;
    }

    synchronized void agentAudioReceived(int bytes) {
        agentBytesReceived += bytes;
    }

    synchronized void agentAudioHeard(int bytes) {
        agentBytesHeard += bytes;
    }

    synchronized void keysHeard(String keys) {
        keysHeard.append(keys);
    }

    synchronized void dtmfSent(String digit) {
        dtmfSent.add(digit);
    }

    synchronized void callerSpoke(String text) {
        callerTurnsSpoken.add(text);
    }

    synchronized void streamClosed(Integer closeCode, String by) {
        if (closeCode != null && streamCloseCode == null) {
            streamCloseCode = closeCode;
        }
        if (endedBy == null) {
            endedBy = by;
        }
    }

    synchronized SimulatedCall snapshot() {
        return new SimulatedCall(sid, accountSid, from, to, direction, status, List.copyOf(statusHistory),
                List.copyOf(twimlReceived), streamUrl, customParameters, streamSid, mediaFramesSent,
                Map.copyOf(streamEventsReceived), List.copyOf(marksEchoed), clearsObeyed,
                Tones.millis(agentBytesReceived), Tones.millis(agentBytesHeard), List.copyOf(dtmfSent),
                keysHeard.toString(), List.copyOf(callerTurnsSpoken), List.copyOf(says), transferredTo, streamCloseCode, endedBy,
                durationSeconds, error, List.copyOf(webhooks));
    }
}
