-- SMS sent by the sms tool. The row is claimed before Twilio is called, so a request that raced past the
-- tool_calls store never sends a second message; sms_id names the message in its status callback URL.
CREATE TABLE sms_messages (
    tenant_id     TEXT        NOT NULL,
    tool_call_id  TEXT        NOT NULL,
    sms_id        TEXT        NOT NULL UNIQUE,
    call_sid      TEXT,
    to_number     TEXT        NOT NULL,
    from_number   TEXT        NOT NULL,
    body_chars    INT         NOT NULL,
    status        TEXT        NOT NULL,
    message_sid   TEXT UNIQUE,
    error_code    INT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, tool_call_id)
);
CREATE INDEX sms_messages_rate ON sms_messages (tenant_id, to_number, created_at);

-- Numbers that must not receive SMS from a tenant (admin, a STOP request in a call, or Twilio error 21610).
CREATE TABLE sms_opt_outs (
    tenant_id  TEXT        NOT NULL,
    number     TEXT        NOT NULL,
    source     TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, number)
);

-- Bookable slots per tenant and resource.
CREATE TABLE schedule_slots (
    tenant_id TEXT        NOT NULL,
    slot_id   TEXT        NOT NULL,
    resource  TEXT        NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, slot_id),
    UNIQUE (tenant_id, resource, starts_at),
    CHECK (ends_at > starts_at)
);
CREATE INDEX schedule_slots_by_time ON schedule_slots (tenant_id, starts_at);

-- Bookings; at most one active booking per slot, enforced by the database (concurrent requests cannot both win).
CREATE TABLE bookings (
    tenant_id     TEXT        NOT NULL,
    booking_id    TEXT        NOT NULL,
    slot_id       TEXT        NOT NULL,
    caller_number TEXT,
    call_sid      TEXT,
    tool_call_id  TEXT        NOT NULL,
    status        TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, booking_id),
    FOREIGN KEY (tenant_id, slot_id) REFERENCES schedule_slots (tenant_id, slot_id)
);
CREATE UNIQUE INDEX bookings_one_active_per_slot ON bookings (tenant_id, slot_id) WHERE status = 'booked';

-- Transfers to a human (or the callback that replaced them); claimed before Twilio is called.
CREATE TABLE escalations (
    tenant_id     TEXT        NOT NULL,
    tool_call_id  TEXT        NOT NULL,
    escalation_id TEXT        NOT NULL UNIQUE,
    call_sid      TEXT,
    caller_number TEXT,
    target        TEXT,
    intent        TEXT,
    summary       TEXT,
    outcome       TEXT        NOT NULL,
    callback_id   TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, tool_call_id)
);

-- A tenant's own backend for lookup (optional); auth_header is a secret and is never returned or logged.
CREATE TABLE lookup_connectors (
    tenant_id   TEXT        PRIMARY KEY,
    url         TEXT        NOT NULL,
    auth_header TEXT,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
