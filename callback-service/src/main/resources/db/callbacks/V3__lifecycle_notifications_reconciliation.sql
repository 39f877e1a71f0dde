-- Task lifecycle: expired (SLA passed and the policy expires it) and cancelled; tasks opened by reconciliation.
ALTER TABLE callback_tasks DROP CONSTRAINT callback_tasks_status_check;
ALTER TABLE callback_tasks ADD CONSTRAINT callback_tasks_status_check
    CHECK (status IN ('open', 'claimed', 'done', 'expired', 'cancelled'));
ALTER TABLE callback_tasks DROP CONSTRAINT callback_tasks_source_check;
ALTER TABLE callback_tasks ADD CONSTRAINT callback_tasks_source_check
    CHECK (source IN ('tool', 'outcome', 'reconciliation'));
-- set when the call log says the call never connected (no-answer, busy, failed, canceled)
ALTER TABLE callback_tasks ADD COLUMN flag TEXT;
CREATE INDEX callback_tasks_due ON callback_tasks (status, due_at);

-- SLA notifications: one per task and kind (at_risk, breached), delivered to the tenant's webhook with retries.
CREATE TABLE notifications (
    event_id        TEXT PRIMARY KEY,
    tenant_id       TEXT        NOT NULL,
    task_id         TEXT        NOT NULL REFERENCES callback_tasks (id) ON DELETE CASCADE,
    kind            TEXT        NOT NULL,
    payload         TEXT        NOT NULL, -- the exact body that is signed and sent
    status          TEXT        NOT NULL CHECK (status IN ('pending', 'delivered', 'dead', 'skipped')),
    attempts        INT         NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at    TIMESTAMPTZ,
    UNIQUE (task_id, kind)
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);

-- What the call log said about each call, for reconciliation with tasks.
CREATE TABLE call_records (
    call_sid      TEXT PRIMARY KEY,
    tenant_id     TEXT        NOT NULL,
    caller_number TEXT,
    status        TEXT,
    status_at     TIMESTAMPTZ,
    outcome       TEXT,
    reconciled_at TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX call_records_unreconciled ON call_records (status, status_at) WHERE outcome IS NULL AND reconciled_at IS NULL;
