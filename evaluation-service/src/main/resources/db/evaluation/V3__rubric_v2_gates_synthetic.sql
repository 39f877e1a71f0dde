-- rules-v2 evidence: the agent's tracked session state (consent, identity, intent), latest value per key.
CREATE TABLE session_states (
    call_sid   TEXT        NOT NULL,
    state_key  TEXT        NOT NULL,
    value      TEXT,
    tenant_id  TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (call_sid, state_key)
);

-- What aggregates, gates and regressions need without re-reading the criteria JSON; judge kept apart from rules.
ALTER TABLE evaluations ADD COLUMN agent_key TEXT;
ALTER TABLE evaluations ADD COLUMN time_to_first_audio_ms BIGINT;
ALTER TABLE evaluations ADD COLUMN synthetic BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE evaluations ADD COLUMN judge JSONB;
CREATE INDEX evaluations_by_version ON evaluations (tenant_id, agent_version_id, evaluated_at);

-- Launch gates: one named set of criteria per agent; every evaluation of a gate is kept.
CREATE TABLE launch_gates (
    tenant_id  TEXT        NOT NULL,
    agent_key  TEXT        NOT NULL,
    gate       JSONB       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, agent_key)
);

CREATE TABLE gate_evaluations (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT        NOT NULL,
    agent_key        TEXT        NOT NULL,
    agent_version_id TEXT        NOT NULL,
    passed           BOOLEAN     NOT NULL,
    result           JSONB       NOT NULL,
    evaluated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX gate_evaluations_by_version ON gate_evaluations (tenant_id, agent_key, agent_version_id, evaluated_at);

-- Synthetic calls: a scenario suite per agent, runs of a suite against a version, one row per placed call.
CREATE TABLE scenario_suites (
    tenant_id  TEXT        NOT NULL,
    agent_key  TEXT        NOT NULL,
    scenarios  JSONB       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, agent_key)
);

CREATE TABLE synthetic_runs (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT        NOT NULL,
    agent_key        TEXT        NOT NULL,
    agent_version_id TEXT        NOT NULL,
    total            INT         NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE synthetic_run_calls (
    run_id        TEXT        NOT NULL REFERENCES synthetic_runs (id) ON DELETE CASCADE,
    scenario_id   TEXT        NOT NULL,
    scenario      JSONB       NOT NULL,
    call_sid      TEXT UNIQUE,
    status        TEXT        NOT NULL CHECK (status IN ('pending', 'placed', 'failed', 'evaluated')),
    error         TEXT,
    evaluation_id TEXT,
    score         DOUBLE PRECISION,
    passed        BOOLEAN,
    expectations  JSONB,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, scenario_id)
);
