-- A booking's times are the slot's, never the caller's (bookings: migration 001;
-- teacher_scope: migration 016). The trigger copies them from the slot and widens
-- `guard` by half the event's gap on each side, so two ranges overlap exactly when two
-- appointments of one family are closer than the gap (bookings_family_gap). It also
-- fills teacher_scope, for whom "one per child and teacher" is counted: everyone
-- (null) in a joint event, the booking's family in a separate one.
CREATE OR REPLACE FUNCTION bookings_fill_times() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s slots%ROWTYPE;
  half_gap interval;
  v_separate boolean;
BEGIN
  SELECT * INTO s FROM slots WHERE id = NEW.slot_id;
  IF NOT FOUND THEN
    RAISE foreign_key_violation USING MESSAGE = 'slot does not exist';
  END IF;
  -- The event row is read here already (for the gap): the mode rides on the same read,
  -- so the hold path pays no extra statement for it.
  SELECT make_interval(secs => e.gap_minutes * 30), e.shared_child_mode = 'separate'
    INTO half_gap, v_separate FROM events e WHERE e.id = s.event_id;
  NEW.event_id := s.event_id;
  NEW.staff_id := s.staff_id;
  NEW.starts_at := s.starts_at;
  NEW.ends_at := s.ends_at;
  NEW.during := tstzrange(s.starts_at, s.ends_at, '[)');
  NEW.guard := tstzrange(s.starts_at - half_gap, s.ends_at + half_gap, '[)');
  NEW.teacher_scope := CASE WHEN v_separate THEN NEW.family_id END;
  RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER bookings_fill_times BEFORE INSERT OR UPDATE OF slot_id ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_fill_times();
