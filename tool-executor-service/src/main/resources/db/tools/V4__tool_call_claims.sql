-- A tool call is claimed before its tool runs: a tool_calls row with status 'running' (never sent) until the first
-- result replaces it. A copy of the request delivered meanwhile (a Kafka redelivery, the bridge asking a hand-over
-- again, another instance) waits for that result instead of running the tool a second time. A claim still running
-- at claimed_until belongs to an execution that stopped (its instance died): the next copy may take it over.
ALTER TABLE tool_calls ADD COLUMN claimed_until TIMESTAMPTZ;
