-- Separated parents (issue 15). A child may belong to two families (family_students);
-- each event says how their bookings relate:
--   joint    — one appointment per child and teacher, whichever family books it; both
--              families see it (time and teacher, never the other family's name) and either
--              may change or cancel it.
--   separate — each family may book its own appointment with the teacher for that child,
--              and each family has the child's cap.
-- Before, the only behaviour was joint without the sharing: family B met `409 clash` and
-- could not see that the child already had the meeting.

ALTER TABLE events ADD COLUMN shared_child_mode text NOT NULL DEFAULT 'joint'
  CHECK (shared_child_mode IN ('joint', 'separate'));

-- Who the "one per child and teacher" rule is counted for: null (everyone) in a joint
-- event, the booking's family in a separate one. Filled by bookings_fill_times below, so
-- no caller can supply a wrong value. The mode can change only while the event has no
-- active booking (the admin route refuses otherwise), so existing rows never disagree.
ALTER TABLE bookings ADD COLUMN teacher_scope uuid;

DROP INDEX bookings_one_per_teacher;
-- NULLS NOT DISTINCT: in a joint event every row's scope is null, and nulls must collide.
CREATE UNIQUE INDEX bookings_one_per_teacher ON bookings (event_id, student_id, staff_id, teacher_scope)
  NULLS NOT DISTINCT WHERE status IN ('held', 'confirmed');

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

CREATE OR REPLACE FUNCTION confer_booking_refusal(
  p_slot uuid, p_family uuid, p_student uuid, p_school uuid, p_override text, p_changing uuid
) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  c record;
  v_free_rules boolean := coalesce(p_override IN ('staff', 'cover_offer'), false);
BEGIN
  SELECT s.event_id, s.staff_id, s.blocked, e.school_id, e.max_per_student,
         e.archived_at IS NOT NULL AS archived,
         now() >= e.booking_opens_at AND now() < e.booking_closes_at AS open,
         EXISTS (SELECT 1 FROM family_students fs JOIN families f ON f.id = fs.family_id
                  WHERE fs.family_id = p_family AND fs.student_id = st.id AND f.school_id = e.school_id) AS linked,
         EXISTS (SELECT 1 FROM teacher_students ts
                  WHERE ts.staff_id = s.staff_id AND ts.student_id = st.id) AS teaches,
         e.booking_mode = 'fair_start' AND e.fair_allocated_at IS NULL AS collecting,
         e.shared_child_mode = 'separate' AS separate,
         e.booking_opens_at + make_interval(secs => e.fair_window_seconds) AS window_ends_at,
         sc.time_zone,
         EXISTS (SELECT 1 FROM offers o
                  WHERE o.slot_id = s.id AND o.kind = 'waitlist' AND o.status = 'pending'
                    AND o.expires_at > now() AND o.family_id <> p_family) AS offered
    INTO c
    FROM slots s JOIN events e ON e.id = s.event_id
    JOIN schools sc ON sc.id = e.school_id
    LEFT JOIN students st ON st.id = p_student AND st.school_id = e.school_id
   WHERE s.id = p_slot;
  IF NOT FOUND OR c.school_id <> coalesce(p_school, c.school_id) THEN
    RETURN '{"code": "not_found", "detail": "{\"message\": \"This slot or child does not exist.\"}"}';
  END IF;
  IF NOT c.linked THEN
    RETURN '{"code": "not_found", "detail": "{\"message\": \"This child is not in this family.\"}"}';
  END IF;
  IF c.archived OR (NOT v_free_rules AND NOT c.open) THEN RETURN '{"code": "window_closed"}'; END IF;
  IF NOT v_free_rules AND p_override IS DISTINCT FROM 'fair_start_draw' AND c.collecting THEN
    RETURN jsonb_build_object('code', 'fair_start_pending', 'detail',
      jsonb_build_object('windowEndsAt', c.window_ends_at, 'timeZone', c.time_zone)::text);
  END IF;
  IF NOT v_free_rules AND c.offered THEN
    RETURN '{"code": "slot_taken", "detail": "{\"message\": \"This slot is being offered to a family on the waiting list.\"}"}';
  END IF;
  IF c.blocked THEN
    RETURN '{"code": "slot_taken", "detail": "{\"message\": \"This slot is not available.\"}"}';
  END IF;
  IF NOT v_free_rules AND NOT c.teaches THEN RETURN '{"code": "not_your_teacher"}'; END IF;
  IF (SELECT count(*) FROM bookings b
       WHERE b.event_id = c.event_id AND b.student_id = p_student
         AND booking_is_active(b.status, b.expires_at)
         AND b.id IS DISTINCT FROM p_changing
         -- Separated parents booking separately: each family has the child's cap.
         AND (NOT c.separate OR b.family_id = p_family)) >= c.max_per_student THEN
    RETURN '{"code": "cap_reached"}';
  END IF;
  RETURN NULL;
END
$$;
