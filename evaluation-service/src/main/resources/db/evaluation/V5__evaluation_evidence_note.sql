-- What the outcome announced (transcript turns, tool results, state) that had not arrived when the call was scored,
-- after the evidence wait; null when nothing was missing.
ALTER TABLE evaluations ADD COLUMN evidence_note TEXT;
