-- Beyond first come, first served: fair start (lottery), waiting lists, running late, absences.

-- How an event opens. 'fair_start': requests made in the first fair_window_seconds
-- after opening are collected and allocated by a recorded lottery; once
-- fair_allocated_at is set the event behaves first come, first served.
ALTER TABLE events
  ADD COLUMN booking_mode text NOT NULL DEFAULT 'fcfs' CHECK (booking_mode IN ('fcfs', 'fair_start')),
  ADD COLUMN fair_window_seconds integer NOT NULL DEFAULT 600 CHECK (fair_window_seconds BETWEEN 1 AND 86400),
  ADD COLUMN fair_allocated_at timestamptz,
  -- Virtual queue: at most this many families booking at once; null = no queue.
  ADD COLUMN queue_limit integer CHECK (queue_limit IS NULL OR queue_limit BETWEEN 1 AND 100000),
  ADD COLUMN offer_minutes integer NOT NULL DEFAULT 15 CHECK (offer_minutes BETWEEN 1 AND 1440);

-- The lottery. The seed is drawn when the admin chooses fair start and only its
-- SHA-256 is shown until the draw: nobody (the school included) can pick a seed
-- after seeing who asked for what. After the draw the seed, the order it produced
-- and every allocation step are kept, so anyone can recompute the draw.
CREATE TABLE fair_start_draws (
  event_id     uuid PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
  seed         text NOT NULL CHECK (seed ~ '^[0-9a-f]{64}$'),
  seed_sha256  text NOT NULL,
  drawn_at     timestamptz,
  -- { order: familyId[], steps: [...], inputs: {...} } — see docs/fairness.md.
  record       jsonb
);

-- A family's fair-start request: arrival/leaving times (optional) and its choices.
CREATE TABLE fair_start_entries (
  event_id      uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  family_id     uuid NOT NULL REFERENCES families(id) ON DELETE CASCADE,
  arrive_at     timestamptz,
  leave_by      timestamptz,
  submitted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, family_id)
);

CREATE TABLE fair_start_requests (
  event_id    uuid NOT NULL,
  family_id   uuid NOT NULL,
  rank        integer NOT NULL CHECK (rank BETWEEN 1 AND 100),
  student_id  uuid NOT NULL REFERENCES students(id) ON DELETE CASCADE,
  staff_id    uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  outcome     text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'granted', 'unavailable')),
  booking_id  uuid REFERENCES bookings(id) ON DELETE SET NULL,
  PRIMARY KEY (event_id, family_id, rank),
  UNIQUE (event_id, family_id, student_id, staff_id),
  FOREIGN KEY (event_id, family_id) REFERENCES fair_start_entries(event_id, family_id) ON DELETE CASCADE
);

-- Waiting lists: one per teacher per event, ordered by position; "must see"
-- entries (marked by the teacher) go before all others.
CREATE TABLE waitlist_entries (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id    uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  staff_id    uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  family_id   uuid NOT NULL REFERENCES families(id) ON DELETE CASCADE,
  student_id  uuid NOT NULL REFERENCES students(id) ON DELETE CASCADE,
  position    double precision NOT NULL,
  must_see    boolean NOT NULL DEFAULT false,
  arrive_at   timestamptz,
  leave_by    timestamptz,
  status      text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'booked', 'left')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX waitlist_one_per_child ON waitlist_entries (event_id, staff_id, student_id)
  WHERE status = 'waiting';
CREATE INDEX waitlist_order_idx ON waitlist_entries (event_id, staff_id, must_see DESC, position)
  WHERE status = 'waiting';

-- Offers: a freed slot offered to a waiting family, or a cover teacher's slot
-- offered to a family whose appointment was cancelled by an absence.
CREATE TABLE offers (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind        text NOT NULL CHECK (kind IN ('waitlist', 'cover')),
  event_id    uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  slot_id     uuid NOT NULL REFERENCES slots(id) ON DELETE CASCADE,
  family_id   uuid NOT NULL REFERENCES families(id) ON DELETE CASCADE,
  student_id  uuid NOT NULL REFERENCES students(id) ON DELETE CASCADE,
  entry_id    uuid REFERENCES waitlist_entries(id) ON DELETE CASCADE,
  -- For cover offers: the cancelled booking the offer replaces.
  replaces_booking_id uuid REFERENCES bookings(id) ON DELETE SET NULL,
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'lapsed', 'void')),
  expires_at  timestamptz NOT NULL,
  booking_id  uuid REFERENCES bookings(id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  ended_at    timestamptz
);
-- A freed slot is offered to one waiting family at a time.
CREATE UNIQUE INDEX offers_one_waitlist_offer_per_slot ON offers (slot_id)
  WHERE status = 'pending' AND kind = 'waitlist';
CREATE INDEX offers_family_idx ON offers (family_id, event_id);
CREATE INDEX offers_pending_expiry_idx ON offers (expires_at) WHERE status = 'pending';

-- "Running N minutes late": effective while clears_at is in the future, so it
-- clears itself even if no job runs.
CREATE TABLE teacher_delays (
  event_id   uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  staff_id   uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  minutes    integer NOT NULL CHECK (minutes BETWEEN 0 AND 240),
  set_by     uuid REFERENCES staff(id) ON DELETE SET NULL,
  set_at     timestamptz NOT NULL DEFAULT now(),
  clears_at  timestamptz NOT NULL,
  PRIMARY KEY (event_id, staff_id)
);

CREATE TABLE teacher_absences (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id        uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  staff_id        uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  starts_at       timestamptz NOT NULL,
  ends_at         timestamptz NOT NULL,
  cover_staff_id  uuid REFERENCES staff(id) ON DELETE SET NULL,
  marked_by       uuid REFERENCES staff(id) ON DELETE SET NULL,
  marked_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at)
);
CREATE INDEX teacher_absences_event_idx ON teacher_absences (event_id, staff_id);

-- A slot becoming free, however it happens (a family cancelling, a hold lapsing
-- in a worker, an admin adding or unblocking a slot), is announced on a channel
-- the servers LISTEN on, so the waiting list hears of every path without each
-- path having to remember to tell it.
CREATE FUNCTION confer_slot_freed_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'bookings' THEN
    PERFORM pg_notify('confer_slot_freed', NEW.slot_id::text);
  ELSE
    PERFORM pg_notify('confer_slot_freed', NEW.id::text);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER bookings_slot_freed AFTER UPDATE OF status ON bookings
  FOR EACH ROW WHEN (OLD.status IN ('held', 'confirmed') AND NEW.status IN ('cancelled', 'expired'))
  EXECUTE FUNCTION confer_slot_freed_notify();
CREATE TRIGGER slots_added AFTER INSERT ON slots
  FOR EACH ROW EXECUTE FUNCTION confer_slot_freed_notify();
CREATE TRIGGER slots_unblocked AFTER UPDATE OF blocked ON slots
  FOR EACH ROW WHEN (OLD.blocked AND NOT NEW.blocked)
  EXECUTE FUNCTION confer_slot_freed_notify();
