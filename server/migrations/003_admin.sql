-- Admin and teacher screens: teachers' private notes, surname search, slot resizing in the log.

-- A teacher's private note on an appointment. Its own table rather than a column of
-- bookings, so that no query shaping what families see (booking or slot views, socket
-- facts) can pick it up by accident. Keyed by teacher as well: a booking moved to
-- another teacher does not hand the first teacher's note to the second.
CREATE TABLE booking_notes (
  booking_id  uuid NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
  staff_id    uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  body        text NOT NULL CHECK (length(body) <= 2000),
  updated_by  uuid REFERENCES staff(id) ON DELETE SET NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (booking_id, staff_id)
);

-- Admins look a family up by surname prefix while the parent is on the phone.
CREATE INDEX families_surname_idx ON families (school_id, lower(surname) text_pattern_ops);

-- Lengthening a slot is logged as 'resized'. The allowed actions are widened from
-- whatever the constraint says now (another migration may have widened it too),
-- rather than restated from a fixed list that would silently drop their additions.
DO $$
DECLARE
  def text;
BEGIN
  SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
   WHERE conrelid = 'booking_log'::regclass AND conname = 'booking_log_action_check';
  IF def IS NULL THEN
    RAISE EXCEPTION 'booking_log_action_check not found';
  END IF;
  IF position('''resized''' IN def) = 0 THEN
    ALTER TABLE booking_log DROP CONSTRAINT booking_log_action_check;
    EXECUTE 'ALTER TABLE booking_log ADD CONSTRAINT booking_log_action_check '
      || replace(def, 'ARRAY[', 'ARRAY[''resized''::text, ');
  END IF;
END $$;
