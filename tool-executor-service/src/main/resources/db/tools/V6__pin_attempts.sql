-- PIN attempts per account since its last right PIN, across calls and executor instances: each attempt is counted
-- before it is compared, and once voice.tools.verification.max-failures have been counted within
-- voice.tools.verification.lockout (from the first) no PIN of the account is checked until the window has passed, so
-- a caller cannot guess a 4-digit PIN by calling again and again, or by sending many guesses at once. A right PIN
-- deletes the row.
CREATE TABLE pin_attempts (
    tenant_id         TEXT        NOT NULL,
    account_number    TEXT        NOT NULL,
    attempts          INTEGER     NOT NULL,
    window_started_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, account_number)
);
