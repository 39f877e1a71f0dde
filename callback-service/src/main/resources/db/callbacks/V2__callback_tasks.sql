-- The human work queue. callback_id is the tool executor's id (null for tasks opened from an outcome alone).
CREATE TABLE callback_tasks (
    id             TEXT PRIMARY KEY,
    callback_id    TEXT UNIQUE,
    tenant_id      TEXT        NOT NULL,
    call_sid       TEXT,
    caller_number  TEXT,
    reason         TEXT        NOT NULL,
    priority       TEXT        NOT NULL,
    preferred_time TIMESTAMPTZ,
    due_at         TIMESTAMPTZ NOT NULL,
    status         TEXT        NOT NULL CHECK (status IN ('open', 'claimed', 'done')),
    owner          TEXT,
    disposition    TEXT,
    source         TEXT        NOT NULL CHECK (source IN ('tool', 'outcome')),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX callback_tasks_queue ON callback_tasks (tenant_id, status, due_at);
CREATE INDEX callback_tasks_by_call ON callback_tasks (tenant_id, call_sid);

CREATE TABLE callback_task_history (
    id      BIGSERIAL PRIMARY KEY,
    task_id TEXT        NOT NULL REFERENCES callback_tasks (id) ON DELETE CASCADE,
    at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    action  TEXT        NOT NULL,
    actor   TEXT,
    detail  TEXT
);
CREATE INDEX callback_task_history_by_task ON callback_task_history (task_id, id);
