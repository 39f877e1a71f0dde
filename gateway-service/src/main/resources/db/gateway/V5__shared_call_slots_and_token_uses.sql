-- State that several gateway instances share: concurrent-call slots, used media tokens, live instances.

-- A make-call holds a slot from before it asks Twilio until its call log exists (or it fails); a reservation
-- of an instance that died expires.
CREATE TABLE call_slot_reservations (
    reservation_id TEXT        PRIMARY KEY,
    tenant_id      TEXT        NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX call_slot_reservations_tenant ON call_slot_reservations (tenant_id, expires_at);

-- Media tokens are single use across instances: one row per consumed token id until the token has expired.
CREATE TABLE media_token_uses (
    token_id   TEXT        PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX media_token_uses_expiry ON media_token_uses (expires_at);

-- Live gateway instances (heartbeats), so that each takes its share of the per-tenant rate limits.
CREATE TABLE gateway_instances (
    instance_id TEXT        PRIMARY KEY,
    seen_at     TIMESTAMPTZ NOT NULL
);

-- The tenant's live calls: non-terminal call logs younger than max_age, plus make-call reservations.
CREATE FUNCTION live_calls(p_tenant_id TEXT, p_max_age_seconds DOUBLE PRECISION) RETURNS BIGINT
LANGUAGE sql STABLE AS $$
    SELECT (SELECT count(*) FROM call_logs WHERE tenant_id = p_tenant_id AND status_rank < 4
                AND created_at > now() - make_interval(secs => p_max_age_seconds))
         + (SELECT count(*) FROM call_slot_reservations WHERE tenant_id = p_tenant_id AND expires_at > now());
$$;

-- Admissions of one tenant are serialized by a transaction-scoped advisory lock; each statement of a volatile
-- PL/pgSQL function reads a fresh snapshot, so the count taken after the lock sees every admission committed
-- before it (exact limits across instances).
CREATE FUNCTION lock_tenant_calls(p_tenant_id TEXT) RETURNS VOID
LANGUAGE sql VOLATILE AS $$
    SELECT pg_advisory_xact_lock(hashtextextended('voice-gateway-calls:' || p_tenant_id, 0));
$$;

-- incoming-call in one round trip: admission under the tenant's concurrent-call limit (NULL: no limit), the call
-- log and its voice.call.created outbox row, committed together. A call already logged (Twilio asking again) is
-- admitted without counting.
CREATE FUNCTION admit_call(p_call_sid TEXT, p_tenant_id TEXT, p_direction TEXT, p_from TEXT, p_to TEXT,
                           p_status TEXT, p_status_rank SMALLINT, p_agent_key TEXT, p_agent_version_id TEXT,
                           p_live_limit INTEGER, p_max_age_seconds DOUBLE PRECISION,
                           p_event_id TEXT, p_event_key TEXT, p_payload TEXT, p_traceparent TEXT)
RETURNS TABLE (admitted BOOLEAN, created BOOLEAN, live BIGINT)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_live BIGINT := NULL;
BEGIN
    IF EXISTS (SELECT 1 FROM call_logs WHERE call_sid = p_call_sid) THEN
        RETURN QUERY SELECT TRUE, FALSE, v_live;
        RETURN;
    END IF;
    IF p_live_limit IS NOT NULL THEN
        PERFORM lock_tenant_calls(p_tenant_id);
        IF EXISTS (SELECT 1 FROM call_logs WHERE call_sid = p_call_sid) THEN
            RETURN QUERY SELECT TRUE, FALSE, v_live;
            RETURN;
        END IF;
        v_live := live_calls(p_tenant_id, p_max_age_seconds);
        IF v_live >= p_live_limit THEN
            RETURN QUERY SELECT FALSE, FALSE, v_live;
            RETURN;
        END IF;
    END IF;
    INSERT INTO call_logs (call_sid, tenant_id, direction, from_number, to_number, status, status_rank, agent_key,
                           agent_version_id)
    VALUES (p_call_sid, p_tenant_id, p_direction, p_from, p_to, p_status, p_status_rank, p_agent_key,
            p_agent_version_id)
    ON CONFLICT (call_sid) DO NOTHING;
    IF NOT FOUND THEN
        RETURN QUERY SELECT TRUE, FALSE, v_live;
        RETURN;
    END IF;
    INSERT INTO outbox_events (event_id, event_key, payload, traceparent)
    VALUES (p_event_id, p_event_key, p_payload, p_traceparent);
    RETURN QUERY SELECT TRUE, TRUE, v_live;
END;
$$;

-- make-call: reserves a slot under the tenant's limit before Twilio is asked; emits the live count it saw and
-- whether the slot was reserved.
CREATE FUNCTION reserve_call_slot(p_reservation_id TEXT, p_tenant_id TEXT, p_live_limit INTEGER,
                                  p_max_age_seconds DOUBLE PRECISION, p_ttl_seconds DOUBLE PRECISION)
RETURNS TABLE (reserved BOOLEAN, live BIGINT)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_live BIGINT;
BEGIN
    PERFORM lock_tenant_calls(p_tenant_id);
    DELETE FROM call_slot_reservations WHERE tenant_id = p_tenant_id AND expires_at <= now();
    v_live := live_calls(p_tenant_id, p_max_age_seconds);
    IF v_live >= p_live_limit THEN
        RETURN QUERY SELECT FALSE, v_live;
        RETURN;
    END IF;
    INSERT INTO call_slot_reservations (reservation_id, tenant_id, expires_at)
    VALUES (p_reservation_id, p_tenant_id, now() + make_interval(secs => p_ttl_seconds));
    RETURN QUERY SELECT TRUE, v_live;
END;
$$;
