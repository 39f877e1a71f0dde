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
