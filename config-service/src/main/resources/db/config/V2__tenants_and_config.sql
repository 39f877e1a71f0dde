-- Tenants and everything the config service publishes about them. Every change bumps tenants.revision and writes
-- a config_outbox row in the same transaction; the relay publishes the tenant's view and deletes the row.
CREATE TABLE tenants (
    id           TEXT        PRIMARY KEY,
    display_name TEXT        NOT NULL,
    time_zone    TEXT        NOT NULL,
    limits       JSONB       NOT NULL DEFAULT '{}',
    enabled      BOOLEAN     NOT NULL DEFAULT TRUE,
    revision     BIGINT      NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A number routes to one tenant only (disabled tenants keep theirs, so their calls can be refused politely).
CREATE TABLE tenant_phone_numbers (
    phone_number TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    position     INT  NOT NULL
);
CREATE INDEX tenant_phone_numbers_tenant ON tenant_phone_numbers (tenant_id);

CREATE TABLE runtime_configs (
    tenant_id         TEXT        PRIMARY KEY REFERENCES tenants (id),
    model             TEXT        NOT NULL,
    voice             TEXT        NOT NULL,
    system_prompt_key TEXT        NOT NULL,
    webhook_url       TEXT,
    language          TEXT,
    greeting          TEXT,
    limits            JSONB       NOT NULL DEFAULT '{}',
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Prompt library: every PUT appends a version; versions are never changed.
CREATE TABLE prompt_versions (
    tenant_id  TEXT        NOT NULL REFERENCES tenants (id),
    prompt_key TEXT        NOT NULL,
    version    INT         NOT NULL,
    text       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, prompt_key, version)
);

-- Only the SHA-256 hash of a key is stored; the secret is shown once, at creation.
CREATE TABLE api_keys (
    id         TEXT        PRIMARY KEY,
    tenant_id  TEXT        NOT NULL REFERENCES tenants (id),
    name       TEXT,
    prefix     TEXT        NOT NULL,
    key_hash   TEXT        NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

CREATE TABLE agents (
    tenant_id  TEXT        NOT NULL REFERENCES tenants (id),
    agent_key  TEXT        NOT NULL,
    contract   JSONB       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, agent_key)
);

-- Immutable snapshots: contract + runtime config + the prompt version they were cut with.
CREATE TABLE agent_versions (
    id             TEXT        PRIMARY KEY,
    tenant_id      TEXT        NOT NULL,
    agent_key      TEXT        NOT NULL,
    version        INT         NOT NULL,
    contract       JSONB       NOT NULL,
    runtime_config JSONB       NOT NULL,
    prompt_key     TEXT        NOT NULL,
    prompt_version INT         NOT NULL,
    note           TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, agent_key, version),
    FOREIGN KEY (tenant_id, agent_key) REFERENCES agents (tenant_id, agent_key)
);

-- The rollout policy of an agent; history keeps the previous policies for rollback.
CREATE TABLE agent_rollouts (
    tenant_id  TEXT        NOT NULL,
    agent_key  TEXT        NOT NULL,
    policy     JSONB       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, agent_key),
    FOREIGN KEY (tenant_id, agent_key) REFERENCES agents (tenant_id, agent_key)
);

CREATE TABLE agent_rollout_history (
    id         BIGSERIAL   PRIMARY KEY,
    tenant_id  TEXT        NOT NULL,
    agent_key  TEXT        NOT NULL,
    policy     JSONB       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX agent_rollout_history_agent ON agent_rollout_history (tenant_id, agent_key, id);

-- Who changed what, when, with the state before and after (secrets never stored here).
CREATE TABLE audit_log (
    id         BIGSERIAL   PRIMARY KEY,
    tenant_id  TEXT        NOT NULL,
    actor      TEXT        NOT NULL,
    action     TEXT        NOT NULL,
    before     JSONB,
    after      JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);

CREATE TABLE config_outbox (
    id         BIGSERIAL   PRIMARY KEY,
    tenant_id  TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
