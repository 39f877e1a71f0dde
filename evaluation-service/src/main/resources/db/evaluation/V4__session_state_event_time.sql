-- When the state change that set each value happened: the records of one poll are applied concurrently, so an older
-- change can be stored after a newer one and must not overwrite it. Rows stored before have none; any change replaces them.
ALTER TABLE session_states ADD COLUMN event_time TIMESTAMPTZ;
