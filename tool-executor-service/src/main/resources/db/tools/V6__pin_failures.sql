-- Failed PIN checks per account, across calls and executor instances: after voice.tools.verification.max-failures
-- within voice.tools.verification.lockout the account's PIN is not checked at all until the window has passed, so a
-- caller cannot guess a 4-digit PIN by calling again and again. A correct PIN clears the row.
CREATE TABLE pin_failures (
    tenant_id         TEXT        NOT NULL,
    account_number    TEXT        NOT NULL,
    failures          INTEGER     NOT NULL,
    window_started_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, account_number)
);
