-- The live sessions of every bridge instance, for GET /api/v1/active-sessions across instances. Each instance
-- rewrites its own rows every few seconds off the audio path (a session's row goes when the session does); rows of
-- an instance that stopped writing are ignored after the expiry and deleted by the others.
CREATE TABLE live_sessions (
    instance_id TEXT        NOT NULL,
    call_sid    TEXT        NOT NULL,
    tenant_id   TEXT        NOT NULL,
    view        JSONB       NOT NULL,
    seen_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (instance_id, call_sid)
);

CREATE INDEX live_sessions_tenant ON live_sessions (tenant_id, seen_at);
