-- Gate results from voice.launch_gate.evaluated are recorded once per gate evaluation: a redelivered event finds
-- its row and writes nothing. Admin results (the manual override) may repeat an evaluation id.
CREATE UNIQUE INDEX launch_gate_results_evaluated_once ON launch_gate_results (tenant_id, evaluation_id)
    WHERE source = 'evaluation-service';
