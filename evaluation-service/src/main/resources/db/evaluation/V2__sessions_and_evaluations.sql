-- Evidence per call, gathered while the call runs; idempotent by event id / tool call id.
CREATE TABLE transcript_turns (
    event_id    TEXT PRIMARY KEY,
    tenant_id   TEXT,
    call_sid    TEXT        NOT NULL,
    role        TEXT        NOT NULL,
    text        TEXT        NOT NULL,
    item_id     TEXT,
    turn_index  INT         NOT NULL,
    offset_ms   BIGINT      NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX transcript_turns_by_call ON transcript_turns (call_sid, turn_index);

CREATE TABLE tool_results (
    call_sid     TEXT        NOT NULL,
    tool_call_id TEXT        NOT NULL,
    tenant_id    TEXT,
    tool         TEXT        NOT NULL,
    status       TEXT        NOT NULL,
    reason       TEXT,
    latency_ms   BIGINT      NOT NULL,
    event_id     TEXT        NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (call_sid, tool_call_id)
);

-- One evaluation per call; published_at is set once voice.evaluation.completed has been sent.
CREATE TABLE evaluations (
    evaluation_id    TEXT PRIMARY KEY,
    tenant_id        TEXT             NOT NULL,
    call_sid         TEXT             NOT NULL UNIQUE,
    agent_version_id TEXT,
    outcome          TEXT             NOT NULL,
    intent           TEXT,
    score            DOUBLE PRECISION NOT NULL,
    passed           BOOLEAN          NOT NULL,
    criteria         JSONB            NOT NULL,
    rubric_version   TEXT             NOT NULL,
    event_id         TEXT             NOT NULL,
    evaluated_at     TIMESTAMPTZ      NOT NULL DEFAULT now(),
    published_at     TIMESTAMPTZ
);
CREATE INDEX evaluations_by_tenant ON evaluations (tenant_id, evaluated_at);
