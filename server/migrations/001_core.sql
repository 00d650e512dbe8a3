-- Confer core schema: tenants, people, events, slots, bookings, the booking log.
-- Every instant is timestamptz (UTC on the wire); every school carries its IANA zone.
-- The database, not the application, is what refuses double bookings: see the
-- partial unique indexes and exclusion constraints on bookings below.

CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE schools (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code            text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9]{3,16}$'),
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  time_zone       text NOT NULL,
  retention_days  integer NOT NULL DEFAULT 365 CHECK (retention_days BETWEEN 1 AND 3650),
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- A person can be admin, teacher or both; roles are flags, not rows, because a
-- school has at most a few hundred staff and the check is on every request.
CREATE TABLE staff (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id      uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
  external_id    text,
  email          text NOT NULL CHECK (email = lower(email)),
  title          text NOT NULL DEFAULT '',
  first_name     text NOT NULL,
  surname        text NOT NULL,
  password_hash  text,
  is_admin       boolean NOT NULL DEFAULT false,
  is_teacher     boolean NOT NULL DEFAULT true,
  active         boolean NOT NULL DEFAULT true,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, email),
  UNIQUE (school_id, external_id)
);
CREATE INDEX staff_email_idx ON staff (email);

-- Families log in with school code + surname + access code. The code is random
-- and high-entropy, so a SHA-256 digest (indexed, constant-time lookup) is enough;
-- argon2 is kept for human-chosen passwords.
CREATE TABLE families (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id         uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
  external_id       text,
  surname           text NOT NULL,
  email             text CHECK (email IS NULL OR email = lower(email)),
  access_code_hash  text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, external_id),
  UNIQUE (school_id, access_code_hash)
);

CREATE TABLE students (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id    uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
  external_id  text,
  first_name   text NOT NULL,
  surname      text NOT NULL,
  year_group   text NOT NULL DEFAULT '',
  class_name   text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, external_id)
);

-- A student may belong to two families (separated parents).
CREATE TABLE family_students (
  family_id   uuid NOT NULL REFERENCES families(id) ON DELETE CASCADE,
  student_id  uuid NOT NULL REFERENCES students(id) ON DELETE CASCADE,
  PRIMARY KEY (family_id, student_id)
);
CREATE INDEX family_students_student_idx ON family_students (student_id);

-- Class lists: which teacher sees which student (and for what).
CREATE TABLE teacher_students (
  staff_id    uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  student_id  uuid NOT NULL REFERENCES students(id) ON DELETE CASCADE,
  subject     text NOT NULL DEFAULT '',
  PRIMARY KEY (staff_id, student_id)
);
CREATE INDEX teacher_students_student_idx ON teacher_students (student_id);

CREATE TABLE events (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id          uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
  name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  booking_opens_at   timestamptz NOT NULL,
  booking_closes_at  timestamptz NOT NULL,
  -- Families may cancel or change until this instant; null means until booking closes.
  cancel_cutoff_at   timestamptz,
  slot_minutes       integer NOT NULL DEFAULT 5 CHECK (slot_minutes BETWEEN 1 AND 120),
  gap_minutes        integer NOT NULL DEFAULT 0 CHECK (gap_minutes BETWEEN 0 AND 120),
  max_per_student    integer NOT NULL DEFAULT 10 CHECK (max_per_student BETWEEN 1 AND 100),
  hold_seconds       integer NOT NULL DEFAULT 120 CHECK (hold_seconds BETWEEN 10 AND 3600),
  -- Bumped in the same transaction as every change to the event's slots, so a
  -- snapshot read in one transaction carries exactly the version it reflects.
  version            bigint NOT NULL DEFAULT 0,
  archived_at        timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (booking_closes_at > booking_opens_at)
);
CREATE INDEX events_school_idx ON events (school_id);

-- Teacher availability per event: windows they sit, and breaks inside them.
CREATE TABLE availability (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id   uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  staff_id   uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  kind       text NOT NULL CHECK (kind IN ('window', 'break')),
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  room       text NOT NULL DEFAULT '',
  CHECK (ends_at > starts_at)
);
CREATE INDEX availability_event_idx ON availability (event_id, staff_id);

CREATE TABLE slots (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id   uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  staff_id   uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  room       text NOT NULL DEFAULT '',
  blocked    boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at),
  -- One teacher is never in two slots at once.
  EXCLUDE USING gist (staff_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
);
CREATE INDEX slots_event_idx ON slots (event_id, staff_id, starts_at);

CREATE TYPE booking_status AS ENUM ('held', 'confirmed', 'cancelled', 'expired');

CREATE TABLE bookings (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id      uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  slot_id       uuid NOT NULL REFERENCES slots(id) ON DELETE CASCADE,
  family_id     uuid NOT NULL REFERENCES families(id) ON DELETE CASCADE,
  student_id    uuid NOT NULL REFERENCES students(id) ON DELETE CASCADE,
  staff_id      uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  status        booking_status NOT NULL,
  -- Copied from the slot and widened by half the event's gap on each side by the
  -- trigger below, so two ranges overlap exactly when the appointments are closer
  -- than the gap. The trigger fills them; callers cannot supply wrong values.
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz NOT NULL,
  during        tstzrange NOT NULL,
  guard         tstzrange NOT NULL,
  expires_at    timestamptz,
  note          text NOT NULL DEFAULT '',
  created_by    text NOT NULL CHECK (created_by IN ('family', 'staff', 'system')),
  created_by_id uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  confirmed_at  timestamptz,
  ended_at      timestamptz,
  CHECK (status <> 'held' OR expires_at IS NOT NULL)
);

-- The guarantees. Active = held or confirmed.
-- 1. One active booking per slot.
CREATE UNIQUE INDEX bookings_one_per_slot ON bookings (slot_id) WHERE status IN ('held', 'confirmed');
-- 2. A student sees a teacher once per event.
CREATE UNIQUE INDEX bookings_one_per_teacher ON bookings (event_id, student_id, staff_id)
  WHERE status IN ('held', 'confirmed');
-- 3. A family is never in two places at once (siblings included) ...
ALTER TABLE bookings ADD CONSTRAINT bookings_family_clash
  EXCLUDE USING gist (family_id WITH =, during WITH &&) WHERE (status IN ('held', 'confirmed'));
-- ... nor is a child (who may be booked by two separated parents' families).
ALTER TABLE bookings ADD CONSTRAINT bookings_student_clash
  EXCLUDE USING gist (student_id WITH =, during WITH &&) WHERE (status IN ('held', 'confirmed'));
-- 4. A family's appointments keep the event's gap between them (time to walk between rooms).
ALTER TABLE bookings ADD CONSTRAINT bookings_family_gap
  EXCLUDE USING gist (family_id WITH =, guard WITH &&) WHERE (status IN ('held', 'confirmed'));

CREATE INDEX bookings_event_idx ON bookings (event_id, status);
CREATE INDEX bookings_family_idx ON bookings (family_id, event_id);
CREATE INDEX bookings_held_expiry_idx ON bookings (expires_at) WHERE status = 'held';

CREATE FUNCTION bookings_fill_times() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s slots%ROWTYPE;
  half_gap interval;
BEGIN
  SELECT * INTO s FROM slots WHERE id = NEW.slot_id;
  IF NOT FOUND THEN
    RAISE foreign_key_violation USING MESSAGE = 'slot does not exist';
  END IF;
  SELECT make_interval(secs => e.gap_minutes * 30) INTO half_gap FROM events e WHERE e.id = s.event_id;
  NEW.event_id := s.event_id;
  NEW.staff_id := s.staff_id;
  NEW.starts_at := s.starts_at;
  NEW.ends_at := s.ends_at;
  NEW.during := tstzrange(s.starts_at, s.ends_at, '[)');
  NEW.guard := tstzrange(s.starts_at - half_gap, s.ends_at + half_gap, '[)');
  RETURN NEW;
END $$;

CREATE TRIGGER bookings_fill_times BEFORE INSERT OR UPDATE OF slot_id ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_fill_times();

-- Every booking transaction, append-only: who did what to which booking, when,
-- and at which event version. Holds ids, never names, so retention need not rewrite it.
CREATE TABLE booking_log (
  id          bigserial PRIMARY KEY,
  event_id    uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  booking_id  uuid REFERENCES bookings(id) ON DELETE CASCADE,
  slot_id     uuid NOT NULL,
  family_id   uuid,
  student_id  uuid,
  action      text NOT NULL CHECK (action IN ('held', 'confirmed', 'released', 'cancelled', 'expired',
                                             'moved', 'blocked', 'unblocked', 'added', 'removed')),
  actor_kind  text NOT NULL CHECK (actor_kind IN ('family', 'staff', 'system')),
  actor_id    uuid,
  version     bigint NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX booking_log_event_idx ON booking_log (event_id, version);

-- Removing a whole school (or replacing the demo school) is the only way rows leave,
-- and it has to say so explicitly in its transaction.
CREATE FUNCTION booking_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('confer.allow_school_removal', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'booking_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER booking_log_no_update BEFORE UPDATE OR DELETE ON booking_log
  FOR EACH ROW EXECUTE FUNCTION booking_log_append_only();

-- Opaque bearer tokens; only their SHA-256 digest is stored.
CREATE TABLE sessions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash    text NOT NULL UNIQUE,
  kind          text NOT NULL CHECK (kind IN ('staff', 'family')),
  school_id     uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
  staff_id      uuid REFERENCES staff(id) ON DELETE CASCADE,
  family_id     uuid REFERENCES families(id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz,
  revoked_reason text,
  CHECK ((kind = 'staff') = (staff_id IS NOT NULL) AND (kind = 'family') = (family_id IS NOT NULL))
);

-- Idempotency: a retried write returns its first answer. The row of a successful
-- write is inserted in the write's own transaction, so it exists iff the write does.
CREATE TABLE idempotency_keys (
  principal     text NOT NULL,
  key           text NOT NULL,
  request_hash  text NOT NULL,
  status_code   integer NOT NULL,
  response      jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
