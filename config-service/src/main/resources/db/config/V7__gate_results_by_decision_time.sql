-- The latest gate result of a version is the one decided last (an evaluation's evaluated_at, an override's time of
-- recording), not the one that happened to be inserted last.
ALTER TABLE launch_gate_results ADD COLUMN decided_at TIMESTAMPTZ;
UPDATE launch_gate_results SET decided_at = recorded_at;
ALTER TABLE launch_gate_results ALTER COLUMN decided_at SET NOT NULL;
ALTER TABLE launch_gate_results ALTER COLUMN decided_at SET DEFAULT now();
CREATE INDEX launch_gate_results_decided ON launch_gate_results (tenant_id, agent_version_id, decided_at, id);
