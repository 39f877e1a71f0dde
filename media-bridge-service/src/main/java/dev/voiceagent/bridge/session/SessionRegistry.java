package dev.voiceagent.bridge.session;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The live sessions of this instance, by call SID, up to the instance's capacity. */
public class SessionRegistry {

    /** What became of a session offered to the registry. */
    public enum Admission {
        ADMITTED,
        /** A session for the same call is already live here. */
        DUPLICATE,
        /** The instance holds as many sessions as it may. */
        FULL
    }

    private final Map<String, VoiceSession> sessions = new ConcurrentHashMap<>();
    private final int maxSessions;
    /** Slots taken, reserved before a session is put in the map, so that the capacity holds under concurrent admits. */
    private final AtomicInteger taken = new AtomicInteger();

    /** A registry without a capacity. */
    public SessionRegistry() {
        this(0);
    }

    /** A registry for at most {@code maxSessions} live sessions (0: no limit). */
    public SessionRegistry(int maxSessions) {
        this.maxSessions = maxSessions <= 0 ? Integer.MAX_VALUE : maxSessions;
    }

    public Admission admit(VoiceSession session) {
        if (taken.incrementAndGet() > maxSessions) {
            taken.decrementAndGet();
            return Admission.FULL;
        }
        if (sessions.putIfAbsent(session.callSid(), session) != null) {
            taken.decrementAndGet();
            return Admission.DUPLICATE;
        }
        return Admission.ADMITTED;
    }

    public void remove(VoiceSession session) {
        if (sessions.remove(session.callSid(), session)) {
            taken.decrementAndGet();
        }
    }

    /** Whether the instance is at its capacity: a new session would be refused. */
    public boolean full() {
        return taken.get() >= maxSessions;
    }

    /** The capacity, or {@link Integer#MAX_VALUE} without one. */
    public int maxSessions() {
        return maxSessions;
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
