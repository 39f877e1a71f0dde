-- Call records only move forward: status_rank orders the statuses (queued < initiated < ringing < in-progress <
-- terminal), so an earlier status applied late does not overwrite a later one. status_received_at is when this
-- service applied the status: the grace period before a completed call without an outcome is reconciled runs from
-- there, not from the event's own time, so calls consumed late (an outage, a lagging consumer) are not overdue at once.
ALTER TABLE call_records ADD COLUMN status_rank SMALLINT;
ALTER TABLE call_records ADD COLUMN status_received_at TIMESTAMPTZ;
UPDATE call_records SET status_received_at = updated_at,
    status_rank = CASE status WHEN 'queued' THEN 0 WHEN 'initiated' THEN 1 WHEN 'ringing' THEN 2
        WHEN 'in-progress' THEN 3 WHEN 'completed' THEN 4 WHEN 'busy' THEN 4 WHEN 'no-answer' THEN 4
        WHEN 'failed' THEN 4 WHEN 'canceled' THEN 4 ELSE 0 END
    WHERE status IS NOT NULL;
DROP INDEX call_records_unreconciled;
CREATE INDEX call_records_unreconciled ON call_records (status, status_received_at)
    WHERE outcome IS NULL AND reconciled_at IS NULL;
