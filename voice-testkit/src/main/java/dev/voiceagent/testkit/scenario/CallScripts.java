package dev.voiceagent.testkit.scenario;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-call scripts shared by the Twilio and realtime simulators of one stack. A script is registered for a fresh
 * destination number; the Twilio simulator claims it when a call to that number is created and binds it to the
 * call SID; the realtime simulator finds it by the call SID the bridge names in its {@code session.update}
 * ({@code session.tracing.metadata.call_sid}). Unclaimed scripts expire; bound ones are kept for the most recent
 * calls only. Thread-safe.
 */
public final class CallScripts {

    /** Destination numbers are {@code +1555} followed by seven digits from this base on, never a demo number. */
    static final long FIRST_NUMBER = 7_000_000L;
    private static final long NUMBERS = 3_000_000L;
    private static final int MAX_BOUND = 2000;
    private static final int MAX_PENDING = 2000;

    /** A script waiting for its call, and until when. */
    private record Pending(Scenario script, Instant expires) {
    }

    private final Clock clock;
    private final Duration ttl;
    private final AtomicLong numbers = new AtomicLong();
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private final Map<String, Scenario> byCall = new LinkedHashMap<>();

    /** Unclaimed scripts expire after {@code ttl}. */
    public CallScripts(Duration ttl) {
        this(ttl, Clock.systemUTC());
    }

    CallScripts(Duration ttl, Clock clock) {
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** How long a registered script waits for its call. */
    public Duration ttl() {
        return ttl;
    }

    /** Registers the script and answers the fresh E.164 number a call must dial to play it. */
    public String register(Scenario script) {
        Objects.requireNonNull(script, "script");
        String number = "+1555" + (FIRST_NUMBER + numbers.getAndIncrement() % NUMBERS);
        synchronized (this) {
            expire();
            pending.put(number, new Pending(script, clock.instant().plus(ttl)));
            trim(pending, MAX_PENDING);
        }
        return number;
    }

    /** Takes the script registered for {@code to} (once) and binds it to the new call. */
    public Optional<Scenario> claim(String to, String callSid) {
        synchronized (this) {
            expire();
            Pending found = to == null ? null : pending.remove(to);
            if (found == null) {
                return Optional.empty();
            }
            byCall.put(callSid, found.script());
            trim(byCall, MAX_BOUND);
            return Optional.of(found.script());
        }
    }

    /** The script bound to the call, if it was placed to a registered number. */
    public synchronized Optional<Scenario> forCall(String callSid) {
        return callSid == null ? Optional.empty() : Optional.ofNullable(byCall.get(callSid));
    }

    private void expire() {
        Instant now = clock.instant();
        pending.values().removeIf(p -> p.expires().isBefore(now));
    }

    private static void trim(Map<String, ?> map, int max) {
        Iterator<String> oldest = map.keySet().iterator();
        while (map.size() > max && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
        }
    }
}
