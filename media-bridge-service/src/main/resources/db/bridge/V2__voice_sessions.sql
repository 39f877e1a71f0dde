-- One row per voice session, written off the audio path (a bounded queue drained to R2DBC): inserted when the
-- stream starts (status 'active'), completed when it ends (status = the outcome).
CREATE TABLE voice_sessions (
    id                     UUID        PRIMARY KEY,
    call_sid               TEXT        NOT NULL,
    tenant_id              TEXT        NOT NULL,
    agent_key              TEXT        NOT NULL,
    agent_version_id       TEXT,
    direction              TEXT,
    caller_number          TEXT,
    stream_sid             TEXT,
    status                 TEXT        NOT NULL,
    escalation_reason      TEXT,
    started_at             TIMESTAMPTZ,
    ended_at               TIMESTAMPTZ,
    duration_ms            BIGINT,
    time_to_first_audio_ms BIGINT,
    state                  JSONB       NOT NULL DEFAULT '{}',
    transcript             JSONB       NOT NULL DEFAULT '[]',
    function_calls         JSONB       NOT NULL DEFAULT '[]',
    summary                TEXT,
    tags                   JSONB       NOT NULL DEFAULT '[]',
    bridge_instance        TEXT,
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX voice_sessions_tenant_started ON voice_sessions (tenant_id, started_at DESC);
CREATE INDEX voice_sessions_tenant_call ON voice_sessions (tenant_id, call_sid);
