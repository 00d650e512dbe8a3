-- A family may ask for more time on a hold (WCAG 2.2.1 "timing adjustable": at least
-- ten extensions by a simple action). Each extension is a booking transaction of its
-- own and is logged as 'extended'.
ALTER TABLE bookings ADD COLUMN extensions integer NOT NULL DEFAULT 0 CHECK (extensions BETWEEN 0 AND 10);

DO $$
DECLARE
  def text;
BEGIN
  SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
   WHERE conrelid = 'booking_log'::regclass AND conname = 'booking_log_action_check';
  IF def IS NULL THEN
    RAISE EXCEPTION 'booking_log_action_check not found';
  END IF;
  IF position('''extended''' IN def) = 0 THEN
    ALTER TABLE booking_log DROP CONSTRAINT booking_log_action_check;
    EXECUTE 'ALTER TABLE booking_log ADD CONSTRAINT booking_log_action_check '
      || replace(def, 'ARRAY[', 'ARRAY[''extended''::text, ');
  END IF;
END $$;
