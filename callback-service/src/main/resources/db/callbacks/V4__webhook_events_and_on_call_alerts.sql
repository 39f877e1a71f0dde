-- The SLA notification outbox becomes the tenant's webhook outbox: every event for the tenant's webhook_url
-- (voice.call.completed, callback task lifecycle, callback SLA) is one row, keyed by its event id (stable, so a
-- repeated enqueue is a no-op and receivers can deduplicate), delivered with retries; 'dead' rows are the
-- dead-letter record.
ALTER TABLE notifications RENAME TO webhook_events;
ALTER INDEX notifications_pkey RENAME TO webhook_events_pkey;
ALTER INDEX notifications_due RENAME TO webhook_events_due;
ALTER TABLE webhook_events RENAME COLUMN kind TO type;
UPDATE webhook_events SET type = 'callback.' || type;
-- lifecycle events repeat per task (reassigned twice), call events have no task: the event id alone is unique
ALTER TABLE webhook_events DROP CONSTRAINT notifications_task_id_kind_key;
ALTER TABLE webhook_events ALTER COLUMN task_id DROP NOT NULL;
ALTER TABLE webhook_events ADD COLUMN call_sid TEXT;
CREATE INDEX webhook_events_by_task ON webhook_events (task_id, type);
CREATE INDEX webhook_events_by_tenant ON webhook_events (tenant_id, created_at DESC);

-- SLA alerts by SMS to the tenant's on-call number, one per task and kind, sent through the tool executor's sms
-- tool; tool_call_id is deterministic, so a request published twice (crash before 'requested' was stored) is
-- still one text: the executor answers a repeated tool call from its stored result.
CREATE TABLE on_call_alerts (
    tool_call_id    TEXT PRIMARY KEY,
    tenant_id       TEXT        NOT NULL,
    task_id         TEXT        NOT NULL REFERENCES callback_tasks (id) ON DELETE CASCADE,
    kind            TEXT        NOT NULL,
    call_sid        TEXT,
    to_number       TEXT        NOT NULL,
    body            TEXT        NOT NULL,
    status          TEXT        NOT NULL CHECK (status IN ('pending', 'requested', 'sent', 'failed')),
    attempts        INT         NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    result          TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    requested_at    TIMESTAMPTZ,
    answered_at     TIMESTAMPTZ,
    UNIQUE (task_id, kind)
);
CREATE INDEX on_call_alerts_due ON on_call_alerts (status, next_attempt_at);

-- What the call log said about each call, for the voice.call.completed event.
ALTER TABLE call_records ADD COLUMN direction TEXT;
ALTER TABLE call_records ADD COLUMN from_number TEXT;
ALTER TABLE call_records ADD COLUMN to_number TEXT;
ALTER TABLE call_records ADD COLUMN agent_version_id TEXT;
ALTER TABLE call_records ADD COLUMN duration_seconds INT;
