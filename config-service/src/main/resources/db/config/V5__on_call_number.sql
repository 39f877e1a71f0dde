-- The number that receives the tenant's SLA alerts by SMS (E.164), published in the runtime config.
ALTER TABLE runtime_configs ADD COLUMN on_call_number TEXT;
