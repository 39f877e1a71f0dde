-- Webhook delivery in lanes, one tenant at a time: an event is in flight while leased_until lies ahead, and a tenant
-- with an event in flight is not leased again, so its events go out one after another whichever instance sends
-- them. lease_token fences results: a delivery whose lease ran out cannot overwrite what a later lease recorded.
ALTER TABLE webhook_events ADD COLUMN leased_until TIMESTAMPTZ;
ALTER TABLE webhook_events ADD COLUMN lease_token TEXT;
CREATE INDEX webhook_events_pending_by_tenant ON webhook_events (tenant_id, created_at) WHERE status = 'pending';
