-- Running many schools: operators, staff account links, imports, traffic statistics,
-- connection peaks and feedback.

-- The service's operators sit above the schools: they create schools and see only
-- cross-school aggregates. Separate from staff (no school) and with their own
-- sessions, so no school-scoped query can ever match an operator row by accident.
CREATE TABLE operators (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email          text NOT NULL UNIQUE CHECK (email = lower(email)),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  password_hash  text NOT NULL,
  active         boolean NOT NULL DEFAULT true,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE operator_sessions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash    text NOT NULL UNIQUE,
  operator_id   uuid NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz
);

-- Single-use, expiring links to set a password (invitation) or reset it. Only the
-- digest of the secret is stored; using a link is one UPDATE … WHERE used_at IS NULL,
-- so two clicks racing on the same link cannot both succeed.
CREATE TABLE staff_links (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  staff_id    uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  purpose     text NOT NULL CHECK (purpose IN ('invite', 'reset')),
  token_hash  text NOT NULL UNIQUE,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staff_links_staff_idx ON staff_links (staff_id, purpose);

-- A record of each import (counts only, no row contents).
CREATE TABLE imports (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id   uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
  kind        text NOT NULL,
  rows        integer NOT NULL,
  created     integer NOT NULL,
  updated     integer NOT NULL,
  removed     integer NOT NULL DEFAULT 0,
  by_staff_id uuid REFERENCES staff(id) ON DELETE SET NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX imports_school_idx ON imports (school_id, at DESC);

-- Separated parents: a child belongs to at most two families. Checked in the
-- database so that neither an import nor any later screen can add a third.
CREATE FUNCTION family_students_at_most_two() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Serialise inserts for the same student so two concurrent transactions cannot
  -- each see one existing family and both add theirs.
  PERFORM 1 FROM students WHERE id = NEW.student_id FOR UPDATE;
  IF (SELECT count(*) FROM family_students WHERE student_id = NEW.student_id) > 2 THEN
    RAISE EXCEPTION 'a student belongs to at most two families' USING ERRCODE = 'check_violation',
      CONSTRAINT = 'family_students_at_most_two';
  END IF;
  RETURN NEW;
END $$;
CREATE CONSTRAINT TRIGGER family_students_at_most_two AFTER INSERT OR UPDATE ON family_students
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION family_students_at_most_two();

-- Anonymous traffic: counts per school (null: pages before sign-in), page and day.
-- No user, session, address or agent is stored anywhere: only these counters.
CREATE TABLE traffic_daily (
  school_id  uuid REFERENCES schools(id) ON DELETE CASCADE,
  day        date NOT NULL,
  page       text NOT NULL CHECK (page ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
  views      integer NOT NULL DEFAULT 0,
  -- Views that were the first page of a browser tab's session: one per visit.
  visits     integer NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX traffic_daily_key ON traffic_daily (coalesce(school_id, '00000000-0000-0000-0000-000000000000'::uuid), day, page);

-- The highest number of sockets a school had open at once, per (UTC) day.
CREATE TABLE connection_peaks (
  school_id  uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
  day        date NOT NULL,
  peak       integer NOT NULL,
  PRIMARY KEY (school_id, day)
);

-- Feedback and complaints. school_id null: about the service itself (the operator's
-- inbox) or sent from the public form without naming a school.
CREATE TABLE feedback (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reference     text NOT NULL UNIQUE CHECK (reference ~ '^FB-[A-Z0-9]{8}$'),
  school_id     uuid REFERENCES schools(id) ON DELETE CASCADE,
  about         text NOT NULL CHECK (about IN ('school', 'service')),
  kind          text NOT NULL CHECK (kind IN ('feedback', 'complaint')),
  from_kind     text NOT NULL CHECK (from_kind IN ('family', 'staff', 'public')),
  family_id     uuid REFERENCES families(id) ON DELETE SET NULL,
  staff_id      uuid REFERENCES staff(id) ON DELETE SET NULL,
  -- Personal data: replaced when a family is erased.
  name          text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
  email         text CHECK (email IS NULL OR email = lower(email)),
  subject       text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
  body          text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
  status        text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'resolved')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (about = 'service' OR school_id IS NOT NULL)
);
CREATE INDEX feedback_school_idx ON feedback (school_id, status, created_at DESC);
CREATE INDEX feedback_service_idx ON feedback (created_at DESC) WHERE about = 'service';

CREATE TABLE feedback_replies (
  id           bigserial PRIMARY KEY,
  feedback_id  uuid NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
  author_kind  text NOT NULL CHECK (author_kind IN ('staff', 'operator')),
  author_id    uuid,
  body         text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
  status_to    text CHECK (status_to IN ('new', 'in_progress', 'resolved')),
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_replies_idx ON feedback_replies (feedback_id, id);

-- A family erased on request (data rights): its personal fields are replaced and it
-- can no longer sign in; bookings stay as anonymous counts.
ALTER TABLE families ADD COLUMN erased_at timestamptz;
