package dev.voiceagent.gateway.limits;

import dev.voiceagent.support.DatabaseDeadlines;
import dev.voiceagent.contracts.CallEvents.CallCreated;
import dev.voiceagent.gateway.calllog.CallLog;
import dev.voiceagent.gateway.calllog.CallStatus;
import dev.voiceagent.gateway.outbox.CallEventOutbox;
import java.time.Duration;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * Per-tenant concurrent-call slots, counted in Postgres so that every gateway instance sees the same calls:
 * the tenant's non-terminal call logs plus make-call reservations, under a per-tenant transaction lock (exact
 * across instances). An inbound call is admitted, logged and announced ({@code voice.call.created} in the
 * outbox) in one statement — one round trip and one commit, answered only once durable. make-call reserves a
 * slot before asking Twilio and hands it over to its call log in the transaction that writes it.
 */
public class CallSlots {

    private final DatabaseClient db;
    private final CallEventOutbox outbox;

    public CallSlots(DatabaseClient db, CallEventOutbox outbox) {
        this.db = db;
        this.outbox = outbox;
    }

    /** What {@link #admit} decided: admitted or not, whether the log is new, the live count seen (-1: not counted). */
    public record Admission(boolean admitted, boolean created, long live) {
    }

    /** Whether a slot was reserved, and the live count seen. */
    public record Reservation(boolean reserved, long live) {
    }

    /**
     * Admits a new call under {@code limit} (null: no limit) and writes its log and created event; a call
     * already logged is admitted again without counting.
     */
    public Mono<Admission> admit(CallLog call, Integer limit, Duration maxAge) {
        CallStatus status = CallStatus.fromWire(call.status()).orElse(CallStatus.RINGING);
        CallEventOutbox.Row event = outbox.row(outbox.envelope(call.tenantId(), call.callSid(),
                new CallCreated(call.direction(), call.from(), call.to(), call.agentKey(), call.agentVersionId())));
        DatabaseClient.GenericExecuteSpec spec = db.sql("SELECT admitted, created, live FROM admit_call(:sid, "
                        + ":tenant, :direction, :from, :to, :status, :rank, :agentKey, :agentVersion, :limit, "
                        + ":maxAge, :eventId, :eventKey, :payload, :traceparent)")
                .bind("sid", call.callSid())
                .bind("tenant", call.tenantId())
                .bind("direction", call.direction())
                .bind("from", call.from())
                .bind("to", call.to())
                .bind("status", status.wire())
                .bind("rank", (short) status.rank())
                .bind("maxAge", (double) maxAge.toSeconds())
                .bind("eventId", event.eventId())
                .bind("eventKey", event.key())
                .bind("payload", event.payload());
        spec = nullable(spec, "agentKey", call.agentKey());
        spec = nullable(spec, "agentVersion", call.agentVersionId());
        spec = nullable(spec, "traceparent", event.traceparent());
        spec = limit == null ? spec.bindNull("limit", Integer.class) : spec.bind("limit", limit);
        // run to its end even when Twilio gives up on the webhook: the admission and its call log are wanted anyway
        // (a repeated webhook finds them), and a statement cancelled mid-flight can leak or stall its connection
        return DatabaseDeadlines.toTheEnd(spec.map(row -> new Admission(
                        Boolean.TRUE.equals(row.get("admitted", Boolean.class)),
                        Boolean.TRUE.equals(row.get("created", Boolean.class)), live(row.get("live", Long.class))))
                .one()
                .doOnNext(admission -> {
                    if (admission.created()) {
                        outbox.written();
                    }
                }));
    }

    /** Reserves one of the tenant's slots for a call about to be placed; it lapses after {@code ttl}. */
    public Mono<Reservation> reserve(String reservationId, String tenantId, int limit, Duration maxAge, Duration ttl) {
        return db.sql("SELECT reserved, live FROM reserve_call_slot(:id, :tenant, :limit, :maxAge, :ttl)")
                .bind("id", reservationId)
                .bind("tenant", tenantId)
                .bind("limit", limit)
                .bind("maxAge", (double) maxAge.toSeconds())
                .bind("ttl", ttl.toMillis() / 1000.0)
                .map(row -> new Reservation(Boolean.TRUE.equals(row.get("reserved", Boolean.class)),
                        live(row.get("live", Long.class))))
                .one();
    }

    /** Gives a reservation back (the call was placed and logged, or failed); inside a caller's transaction too. */
    public Mono<Void> release(String reservationId) {
        return db.sql("DELETE FROM call_slot_reservations WHERE reservation_id = :id")
                .bind("id", reservationId)
                .then();
    }

    private static long live(Long value) {
        return value == null ? -1 : value;
    }

    private static DatabaseClient.GenericExecuteSpec nullable(DatabaseClient.GenericExecuteSpec spec, String name,
                                                              String value) {
        return value == null ? spec.bindNull(name, String.class) : spec.bind(name, value);
    }
}
