-- Version ids ("support-v1") are unique per tenant, not across tenants: two tenants may both have a "support" agent.
ALTER TABLE agent_versions DROP CONSTRAINT agent_versions_pkey;
ALTER TABLE agent_versions ADD PRIMARY KEY (tenant_id, id);

-- Launch gate results per agent version, newest last; the latest one decides whether the version may take more
-- than the canary share. Recorded through the admin API until the evaluation service publishes them as events.
CREATE TABLE launch_gate_results (
    id               BIGSERIAL        PRIMARY KEY,
    tenant_id        TEXT             NOT NULL,
    agent_key        TEXT             NOT NULL,
    agent_version_id TEXT             NOT NULL,
    passed           BOOLEAN          NOT NULL,
    score            DOUBLE PRECISION,
    evaluation_id    TEXT,
    detail           TEXT,
    source           TEXT             NOT NULL,
    recorded_at      TIMESTAMPTZ      NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, agent_version_id) REFERENCES agent_versions (tenant_id, id)
);
CREATE INDEX launch_gate_results_version ON launch_gate_results (tenant_id, agent_version_id, id);
