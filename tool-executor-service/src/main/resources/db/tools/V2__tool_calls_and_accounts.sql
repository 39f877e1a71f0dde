-- One row per executed tool call: the first result is the only result (idempotency by tool_call_id).
CREATE TABLE tool_calls (
    tenant_id     TEXT        NOT NULL,
    tool_call_id  TEXT        NOT NULL,
    call_sid      TEXT,
    tool          TEXT        NOT NULL,
    status        TEXT        NOT NULL,
    output        JSONB       NOT NULL,
    reason        TEXT,
    latency_ms    BIGINT      NOT NULL,
    event_id      TEXT        NOT NULL,
    completed_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, tool_call_id)
);

-- Tenant-loaded account data for the lookup tool (replaced as a whole by PUT .../accounts).
CREATE TABLE accounts (
    tenant_id      TEXT           NOT NULL,
    account_number TEXT           NOT NULL,
    caller_number  TEXT,
    name           TEXT           NOT NULL,
    balance        NUMERIC(14, 2) NOT NULL,
    currency       TEXT           NOT NULL,
    status         TEXT           NOT NULL,
    updated_at     TIMESTAMPTZ    NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, account_number)
);
CREATE INDEX accounts_by_caller ON accounts (tenant_id, caller_number);

CREATE TABLE account_orders (
    tenant_id      TEXT  NOT NULL,
    order_number   TEXT  NOT NULL,
    account_number TEXT  NOT NULL,
    status         TEXT,
    details        JSONB NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (tenant_id, order_number),
    FOREIGN KEY (tenant_id, account_number) REFERENCES accounts (tenant_id, account_number) ON DELETE CASCADE
);
