-- Interpreters as a bookable resource (issue 18). A school lists its interpreters, each
-- speaking one or more languages (BCP-47 codes, any language), with windows per event in
-- which they sit (like a teacher's availability). A family may need an interpreter for
-- one language. A live booking of such a family reserves one free interpreter who speaks
-- it for the booking's time: server/sql/booking-interpreters.sql makes the reservation
-- in the booking's own statement, whichever path wrote the booking, and the exclusion
-- constraint below refuses an interpreter in two meetings at once, whatever wrote the row.

-- A BCP-47 tag as the server stores it: language, then subtags (script, region, variant).
-- Languages are matched by tag or by prefix at a subtag boundary (pt ~ pt-BR).
CREATE TABLE interpreters (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id   uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  languages   text[] NOT NULL CHECK (
                cardinality(languages) BETWEEN 1 AND 20
                AND array_position(languages, NULL) IS NULL
                AND array_to_string(languages, ' ') ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*( [A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*)*$'),
  -- Where their schedule for an evening is mailed; optional.
  email       text CHECK (email IS NULL OR email = lower(email)),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interpreters_school_idx ON interpreters (school_id);

-- When an interpreter sits at an event. Windows of one interpreter never overlap (the
-- admin API merges touching ones), so a meeting is covered by one window or by none.
CREATE TABLE interpreter_availability (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  interpreter_id  uuid NOT NULL REFERENCES interpreters(id) ON DELETE CASCADE,
  event_id        uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  starts_at       timestamptz NOT NULL,
  ends_at         timestamptz NOT NULL,
  CHECK (ends_at > starts_at),
  CONSTRAINT interpreter_availability_no_overlap
    EXCLUDE USING gist (interpreter_id WITH =, event_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
);
CREATE INDEX interpreter_availability_event_idx ON interpreter_availability (event_id, interpreter_id);

-- The language a family needs an interpreter for; null: none.
ALTER TABLE families ADD COLUMN interpreter_language text
  CHECK (interpreter_language IS NULL OR interpreter_language ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$');

-- An interpreter reserved for a booking. event_id, during and status are copied from the
-- booking (a trigger fills them on insert and follows the booking's changes), so the
-- constraint sees the booking's own time and state. An ended booking's row stays, with
-- the booking's end state, as the record of who interpreted; only live rows bind.
CREATE TABLE booking_interpreters (
  booking_id      uuid PRIMARY KEY REFERENCES bookings(id) ON DELETE CASCADE,
  interpreter_id  uuid NOT NULL REFERENCES interpreters(id) ON DELETE CASCADE,
  event_id        uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  language        text NOT NULL,
  status          booking_status NOT NULL,
  during          tstzrange NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- An interpreter is never in two meetings at once.
  CONSTRAINT booking_interpreters_no_overlap
    EXCLUDE USING gist (interpreter_id WITH =, during WITH &&) WHERE (status IN ('held', 'confirmed'))
);
CREATE INDEX booking_interpreters_event_idx ON booking_interpreters (event_id, interpreter_id);
