-- The trace of the request that wrote a call event, so the relay publishes it in that call's trace.
ALTER TABLE outbox_events ADD COLUMN traceparent TEXT;
