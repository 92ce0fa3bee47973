-- Disappearing-message timers, in seconds (NULL: off). An organisation's default is the longest a
-- conversation's timer may be; every envelope carries the timer it was sent under.
ALTER TABLE organisations ADD COLUMN disappearing_seconds BIGINT;
ALTER TABLE conversations ADD COLUMN disappearing_seconds BIGINT;
ALTER TABLE envelopes ADD COLUMN disappearing_seconds BIGINT;
