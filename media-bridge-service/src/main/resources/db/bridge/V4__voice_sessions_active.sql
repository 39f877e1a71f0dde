-- The sweep that marks as lost the 'active' records of calls no bridge instance publishes any more (the instance
-- crashed or hung before storing the call's end) runs every few seconds on every instance: it reads only the
-- active records, through this index.
CREATE INDEX voice_sessions_active ON voice_sessions (updated_at) WHERE status = 'active';
