-- Call events written in the same transaction as the call log change they describe; the relay publishes them
-- in id order per call and marks them (published rows are purged after a retention period).
CREATE TABLE outbox_events (
    id           BIGSERIAL   PRIMARY KEY,
    event_id     TEXT        NOT NULL UNIQUE,
    event_key    TEXT        NOT NULL,
    payload      TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at TIMESTAMPTZ
);
CREATE INDEX outbox_events_pending ON outbox_events (id) WHERE published_at IS NULL;
CREATE INDEX outbox_events_published ON outbox_events (published_at) WHERE published_at IS NOT NULL;

-- Per-tenant concurrent-call limits count the tenant's calls that have not reached a terminal status.
CREATE INDEX call_logs_tenant_live ON call_logs (tenant_id, created_at) WHERE status_rank < 4;

-- Outbound answering-machine detection: what make-call asked for and what Twilio reported.
ALTER TABLE call_logs
    ADD COLUMN machine_detection TEXT,
    ADD COLUMN voicemail_policy  TEXT,
    ADD COLUMN voicemail_message TEXT,
    ADD COLUMN answered_by       TEXT;
