package dev.voiceagent.bridge.session;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The live sessions of this instance, by call SID. */
public class SessionRegistry {

    private final Map<String, VoiceSession> sessions = new ConcurrentHashMap<>();

    /** False when a session for the same call is already live here. */
    public boolean register(VoiceSession session) {
        return sessions.putIfAbsent(session.callSid(), session) == null;
    }

    public void remove(VoiceSession session) {
        sessions.remove(session.callSid(), session);
    }

    /** Whether a session for {@code callSid} is live here (its stream has connected). */
    public boolean isLive(String callSid) {
        return sessions.containsKey(callSid);
    }

    /**
     * Whether the session for {@code callSid} has had its stream's start, and so has already decided whether it
     * takes a prewarmed model session.
     */
    public boolean started(String callSid) {
        VoiceSession session = sessions.get(callSid);
        return session != null && session.phase() != VoiceSession.Phase.WAITING_FOR_START;
    }

    public int size() {
        return sessions.size();
    }

    public List<SessionView> forTenant(String tenantId) {
        return sessions.values().stream()
                .filter(s -> s.tenantId().equals(tenantId))
                .map(VoiceSession::view)
                .toList();
    }

    public Collection<VoiceSession> all() {
        return sessions.values();
    }
}
