-- Admission counts a tenant's live calls only up to its limit. Whether a call is admitted depends only on whether
-- the count has reached the limit, so counting further reads rows for nothing, under the tenant's lock: a tenant
-- with thousands of live calls made every admission (and every other admission of that tenant, waiting for the
-- lock) read thousands of index entries. Each part of the count stops at the limit: if either part reaches it the
-- sum does, otherwise both are exact. The live count reported with a refusal is then the limit ("at least").
CREATE FUNCTION live_calls_up_to(p_tenant_id TEXT, p_max_age_seconds DOUBLE PRECISION, p_cap INTEGER) RETURNS BIGINT
LANGUAGE sql STABLE AS $$
    SELECT (SELECT count(*) FROM (SELECT 1 FROM call_logs WHERE tenant_id = p_tenant_id AND status_rank < 4
                AND created_at > now() - make_interval(secs => p_max_age_seconds) LIMIT p_cap) AS logged)
         + (SELECT count(*) FROM (SELECT 1 FROM call_slot_reservations WHERE tenant_id = p_tenant_id
                AND expires_at > now() LIMIT p_cap) AS reserved);
$$;

CREATE OR REPLACE FUNCTION admit_call(p_call_sid TEXT, p_tenant_id TEXT, p_direction TEXT, p_from TEXT, p_to TEXT,
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
        v_live := live_calls_up_to(p_tenant_id, p_max_age_seconds, p_live_limit);
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

CREATE OR REPLACE FUNCTION reserve_call_slot(p_reservation_id TEXT, p_tenant_id TEXT, p_live_limit INTEGER,
                                  p_max_age_seconds DOUBLE PRECISION, p_ttl_seconds DOUBLE PRECISION)
RETURNS TABLE (reserved BOOLEAN, live BIGINT)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_live BIGINT;
BEGIN
    PERFORM lock_tenant_calls(p_tenant_id);
    DELETE FROM call_slot_reservations WHERE tenant_id = p_tenant_id AND expires_at <= now();
    v_live := live_calls_up_to(p_tenant_id, p_max_age_seconds, p_live_limit);
    IF v_live >= p_live_limit THEN
        RETURN QUERY SELECT FALSE, v_live;
        RETURN;
    END IF;
    INSERT INTO call_slot_reservations (reservation_id, tenant_id, expires_at)
    VALUES (p_reservation_id, p_tenant_id, now() + make_interval(secs => p_ttl_seconds));
    RETURN QUERY SELECT TRUE, v_live;
END;
$$;

DROP FUNCTION live_calls(TEXT, DOUBLE PRECISION);
