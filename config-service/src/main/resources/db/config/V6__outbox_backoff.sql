-- A tenant whose view cannot be published is parked with a growing delay, so it does not hold up the others.
ALTER TABLE config_outbox ADD COLUMN attempts   INT         NOT NULL DEFAULT 0;
ALTER TABLE config_outbox ADD COLUMN not_before TIMESTAMPTZ;
