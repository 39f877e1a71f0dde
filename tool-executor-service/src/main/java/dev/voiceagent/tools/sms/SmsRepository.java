package dev.voiceagent.tools.sms;

import io.r2dbc.spi.Readable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import reactor.core.publisher.Mono;

/** Sent messages ({@code tools.sms_messages}) and opt-outs ({@code tools.sms_opt_outs}). */
@Repository
public class SmsRepository {

    /** Our own first state: the row is claimed, Twilio not yet answered. */
    static final String CLAIMED = "claimed";
    /** Twilio certainly did not take the message. */
    static final String REJECTED = "rejected";
    /** Twilio may or may not have taken it (timeout, 5xx): never resent. */
    static final String UNKNOWN = "unknown";

    /** Twilio's message statuses in the order they progress; a status never goes back. */
    static final Map<String, Integer> RANK = rank();

    private final DatabaseClient db;

    public SmsRepository(DatabaseClient db) {
        this.db = db;
    }

    /** What a claim found. */
    public enum ClaimResult { CLAIMED, ALREADY_CLAIMED, RATE_LIMITED }

    /** One stored message. */
    public record StoredSms(String smsId, String toNumber, String status, String messageSid, Integer errorCode) {
    }

    /**
     * Claims the message for this tool call unless the recipient already got {@code limit} messages from the
     * tenant in the last hour; a second claim for the same tool call finds the first.
     */
    public Mono<ClaimResult> claim(String tenantId, String toolCallId, String smsId, String callSid, String to,
                                   String from, int bodyChars, int limit) {
        var spec = db.sql("INSERT INTO sms_messages (tenant_id, tool_call_id, sms_id, call_sid, to_number, from_number, "
                        + "body_chars, status) SELECT :tenant, :id, :smsId, :callSid, :to, :from, :chars, :status "
                        + "WHERE (SELECT count(*) FROM sms_messages WHERE tenant_id = :tenant AND to_number = :to "
                        + "AND status <> 'rejected' AND created_at > now() - interval '1 hour') < :limit "
                        + "ON CONFLICT DO NOTHING")
                .bind("tenant", tenantId).bind("id", toolCallId).bind("smsId", smsId).bind("to", to)
                .bind("from", from).bind("chars", bodyChars).bind("status", CLAIMED).bind("limit", limit);
        spec = callSid == null ? spec.bindNull("callSid", String.class) : spec.bind("callSid", callSid);
        return spec.fetch().rowsUpdated()
                .flatMap(inserted -> inserted > 0 ? Mono.just(ClaimResult.CLAIMED)
                        : find(tenantId, toolCallId).map(found -> ClaimResult.ALREADY_CLAIMED)
                                .defaultIfEmpty(ClaimResult.RATE_LIMITED));
    }

    public Mono<StoredSms> find(String tenantId, String toolCallId) {
        return db.sql("SELECT sms_id, to_number, status, message_sid, error_code FROM sms_messages "
                        + "WHERE tenant_id = :tenant AND tool_call_id = :id")
                .bind("tenant", tenantId).bind("id", toolCallId)
                .map(SmsRepository::toStored).one();
    }

    public Mono<Void> accepted(String tenantId, String toolCallId, String messageSid, String status) {
        return db.sql("UPDATE sms_messages SET message_sid = :sid, status = CASE WHEN status = :claimed THEN :status "
                        + "ELSE status END, updated_at = now() WHERE tenant_id = :tenant AND tool_call_id = :id")
                .bind("sid", messageSid).bind("status", status).bind("claimed", CLAIMED)
                .bind("tenant", tenantId).bind("id", toolCallId)
                .fetch().rowsUpdated().then();
    }

    public Mono<Void> notAccepted(String tenantId, String toolCallId, String status, Integer errorCode) {
        var spec = db.sql("UPDATE sms_messages SET status = :status, error_code = :code, updated_at = now() "
                        + "WHERE tenant_id = :tenant AND tool_call_id = :id AND status = :claimed")
                .bind("status", status).bind("claimed", CLAIMED).bind("tenant", tenantId).bind("id", toolCallId);
        spec = errorCode == null ? spec.bindNull("code", Integer.class) : spec.bind("code", errorCode);
        return spec.fetch().rowsUpdated().then();
    }

    /**
     * A delivery status from Twilio's callback: applied only when it is further along than the stored one (Twilio's
     * callbacks can arrive out of order). Answers whether a row changed.
     */
    public Mono<Boolean> delivered(String smsId, String messageSid, String status, Integer errorCode) {
        Integer rank = RANK.get(status);
        if (rank == null) {
            return Mono.just(false);
        }
        var spec = db.sql("UPDATE sms_messages SET status = :status, message_sid = COALESCE(message_sid, :sid), "
                        + "error_code = COALESCE(:code, error_code), updated_at = now() "
                        + "WHERE sms_id = :ref AND " + rankSql() + " < :rank")
                .bind("status", status).bind("ref", smsId).bind("rank", rank);
        spec = messageSid == null ? spec.bindNull("sid", String.class) : spec.bind("sid", messageSid);
        spec = errorCode == null ? spec.bindNull("code", Integer.class) : spec.bind("code", errorCode);
        return spec.fetch().rowsUpdated().map(updated -> updated > 0);
    }

    public Mono<StoredSms> findBySmsId(String smsId) {
        return db.sql("SELECT sms_id, to_number, status, message_sid, error_code FROM sms_messages WHERE sms_id = :ref")
                .bind("ref", smsId).map(SmsRepository::toStored).one();
    }

    public Mono<Boolean> isOptedOut(String tenantId, String number) {
        return db.sql("SELECT 1 FROM sms_opt_outs WHERE tenant_id = :tenant AND number = :number")
                .bind("tenant", tenantId).bind("number", number)
                .map(row -> true).one().defaultIfEmpty(false);
    }

    public Mono<Void> optOut(String tenantId, String number, String source) {
        return db.sql("INSERT INTO sms_opt_outs (tenant_id, number, source) VALUES (:tenant, :number, :source) "
                        + "ON CONFLICT DO NOTHING")
                .bind("tenant", tenantId).bind("number", number).bind("source", source)
                .fetch().rowsUpdated().then();
    }

    /** Answers whether the number had opted out. */
    public Mono<Boolean> optIn(String tenantId, String number) {
        return db.sql("DELETE FROM sms_opt_outs WHERE tenant_id = :tenant AND number = :number")
                .bind("tenant", tenantId).bind("number", number)
                .fetch().rowsUpdated().map(deleted -> deleted > 0);
    }

    private static String rankSql() {
        return RANK.entrySet().stream()
                .map(e -> "WHEN '" + e.getKey() + "' THEN " + e.getValue())
                .collect(Collectors.joining(" ", "(CASE status ", " ELSE 0 END)"));
    }

    private static Map<String, Integer> rank() {
        Map<String, Integer> rank = new LinkedHashMap<>();
        rank.put(CLAIMED, 0);
        rank.put(UNKNOWN, 0);
        rank.put("accepted", 1);
        rank.put("scheduled", 1);
        rank.put("queued", 2);
        rank.put("sending", 3);
        rank.put("sent", 4);
        rank.put("delivered", 5);
        rank.put("undelivered", 5);
        rank.put("failed", 5);
        rank.put("canceled", 5);
        rank.put("read", 6);
        return Map.copyOf(rank);
    }

    private static StoredSms toStored(Readable row) {
        return new StoredSms(row.get("sms_id", String.class), row.get("to_number", String.class),
                row.get("status", String.class), row.get("message_sid", String.class),
                row.get("error_code", Integer.class));
    }
}
