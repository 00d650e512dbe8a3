-- Versions are per slot, numbered from one sequence, instead of one counter per event.
-- Every change to an event used to bump `events.version`, so every booking of an
-- evening queued on that one row until the previous transaction committed: on
-- opening night, with the event loop busy, that capped bookings at a few dozen a
-- second. Screens never needed one gap-free counter (fan-out by interest shows each
-- screen only some slots): they need each slot's changes in order, which the slot's
-- own row lock gives, and a snapshot whose slots carry the versions they reflect.
CREATE SEQUENCE change_version_seq;
ALTER TABLE slots ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE events DROP COLUMN version;
