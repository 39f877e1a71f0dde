package dev.voiceagent.tools.escalation;

import io.r2dbc.spi.Readable;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/**
 * Escalations ({@code tools.escalations}): claimed before the call is touched, so a transfer happens at most once.
 * Before its outcome an escalation is {@link #CLAIMED} (nothing sent to Twilio yet) or {@link #PENDING} (the call
 * update is being sent: it may have been made).
 */
@Repository
public class EscalationRepository {

    /** Claimed by an execution that has not touched the call: no call update has been sent. */
    static final String CLAIMED = "claimed";
    /**
     * The call update is on its way to Twilio, or was sent and its outcome not yet recorded (rows from before
     * {@link #CLAIMED} existed say {@code pending} from the claim on, and are read the same way: maybe sent).
     */
    static final String PENDING = "pending";

    private final DatabaseClient db;

    public EscalationRepository(DatabaseClient db) {
        this.db = db;
    }

    /** One escalation and what became of it. */
    public record Escalation(String tenantId, String toolCallId, String escalationId, String callSid,
                             String callerNumber, String target, String intent, String summary, String outcome,
                             String callbackId) {
    }

    /** Answers true when this call claimed the escalation, false when another delivery already had. */
    public Mono<Boolean> claim(Escalation e) {
        var spec = db.sql("INSERT INTO escalations (tenant_id, tool_call_id, escalation_id, call_sid, caller_number, "
                        + "target, intent, summary, outcome) VALUES (:tenant, :id, :esc, :callSid, :caller, :target, "
                        + ":intent, :summary, :outcome) ON CONFLICT DO NOTHING")
                .bind("tenant", e.tenantId()).bind("id", e.toolCallId()).bind("esc", e.escalationId())
                .bind("outcome", CLAIMED);
        spec = bindNullable(spec, "callSid", e.callSid());
        spec = bindNullable(spec, "caller", e.callerNumber());
        spec = bindNullable(spec, "target", e.target());
        spec = bindNullable(spec, "intent", e.intent());
        spec = bindNullable(spec, "summary", e.summary());
        return spec.fetch().rowsUpdated().map(inserted -> inserted > 0);
    }

    /** Marks the escalation {@link #PENDING}: its call update is about to be sent and may be made from now on. */
    public Mono<Void> sending(String escalationId) {
        return outcome(escalationId, PENDING, null);
    }

    public Mono<Void> outcome(String escalationId, String outcome, String callbackId) {
        var spec = db.sql("UPDATE escalations SET outcome = :outcome, callback_id = COALESCE(:cb, callback_id) "
                        + "WHERE escalation_id = :esc")
                .bind("outcome", outcome).bind("esc", escalationId);
        return bindNullable(spec, "cb", callbackId).fetch().rowsUpdated().then();
    }

    public Mono<Escalation> find(String tenantId, String toolCallId) {
        return db.sql("SELECT * FROM escalations WHERE tenant_id = :tenant AND tool_call_id = :id")
                .bind("tenant", tenantId).bind("id", toolCallId)
                .map(EscalationRepository::toEscalation).one();
    }

    public Mono<Escalation> byId(String escalationId) {
        return db.sql("SELECT * FROM escalations WHERE escalation_id = :esc").bind("esc", escalationId)
                .map(EscalationRepository::toEscalation).one();
    }

    private static DatabaseClient.GenericExecuteSpec bindNullable(DatabaseClient.GenericExecuteSpec spec, String name,
                                                                 String value) {
        return value == null ? spec.bindNull(name, String.class) : spec.bind(name, value);
    }

    private static Escalation toEscalation(Readable row) {
        return new Escalation(row.get("tenant_id", String.class), row.get("tool_call_id", String.class),
                row.get("escalation_id", String.class), row.get("call_sid", String.class),
                row.get("caller_number", String.class), row.get("target", String.class),
                row.get("intent", String.class), row.get("summary", String.class), row.get("outcome", String.class),
                row.get("callback_id", String.class));
    }
}
