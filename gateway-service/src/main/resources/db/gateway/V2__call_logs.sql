-- One row per call the gateway has seen (inbound answered or outbound queued).
CREATE TABLE call_logs (
    call_sid          TEXT        PRIMARY KEY,
    tenant_id         TEXT        NOT NULL,
    direction         TEXT        NOT NULL,
    from_number       TEXT        NOT NULL,
    to_number         TEXT        NOT NULL,
    status            TEXT        NOT NULL,
    status_rank       SMALLINT    NOT NULL,
    duration_seconds  INTEGER,
    agent_key         TEXT,
    agent_version_id  TEXT,
    outcome           TEXT,
    intent            TEXT,
    escalation_reason TEXT,
    session_duration_ms BIGINT,
    greeting          TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX call_logs_tenant_created ON call_logs (tenant_id, created_at DESC);

-- make-call retries with the same Idempotency-Key (per tenant) answer the first result.
CREATE TABLE make_call_requests (
    tenant_id       TEXT        NOT NULL,
    idempotency_key TEXT        NOT NULL,
    request_hash    TEXT        NOT NULL,
    call_sid        TEXT,
    response        TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idempotency_key)
);
