-- Issue 16: several sittings per event (two evenings, or an afternoon and an evening).
-- A sitting is a stretch of time in which teachers sit; their slots are cut only inside
-- the event's sittings (server/src/features/events/slot-generation.ts), and a teacher's
-- own windows must lie inside one. An event without sittings (newly created) puts no
-- bound on its admins' availability, and teachers are held to its first-to-last slot.
-- Set by admins with PUT /admin/events/:eventId/sittings, which refuses to drop or shrink
-- a sitting under held or booked appointments (bookings_in_the_way).
CREATE TABLE event_sittings (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id   uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  label      text NOT NULL DEFAULT '' CHECK (length(label) <= 60),
  CHECK (ends_at > starts_at),
  -- Two sittings of one event never overlap (they may meet end to start).
  CONSTRAINT event_sittings_no_overlap
    EXCLUDE USING gist (event_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
);
CREATE INDEX event_sittings_event_idx ON event_sittings (event_id, starts_at);

-- Events have no hours columns: their hours were their first slot's start to their last
-- slot's end (and their teachers' windows, where no slot was cut yet). Each existing
-- event with any of those gets one sitting spanning them.
INSERT INTO event_sittings (event_id, starts_at, ends_at)
SELECT event_id, min(starts_at), max(ends_at)
  FROM (SELECT event_id, starts_at, ends_at FROM slots
        UNION ALL
        SELECT event_id, starts_at, ends_at FROM availability WHERE kind = 'window') t
 GROUP BY event_id;
