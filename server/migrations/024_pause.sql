-- Pause and resume (issue 16). An admin pauses booking for one event of their school,
-- the operator for every event of every school at once, each with a message for the
-- families. While paused, every family booking write is refused `503 unavailable` with
-- the message: the pause is one more rule of the one booking policy
-- (confer_booking_refusal, redefined below with every other rule unchanged), so no
-- path that books can skip it. Letting go (release, cancel) asks no policy and stays
-- allowed; staff still book (they fix the evening).

ALTER TABLE events ADD COLUMN paused_at timestamptz;
ALTER TABLE events ADD COLUMN paused_message text;
ALTER TABLE events ADD CONSTRAINT events_pause_whole
  CHECK ((paused_at IS NULL) = (paused_message IS NULL));

-- The operator's pause of the whole service: at most one row (id is always true).
CREATE TABLE service_pause (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  paused_at timestamptz NOT NULL DEFAULT now(),
  message text NOT NULL
);

-- The refusal a pause stands for, or null: the operator's pause first (it covers every
-- event), then the event's own. Asked by the policy below and by the paths that write
-- no booking but must stop too (fair-start requests). retryAfter: a pause has no known
-- end, so clients look again in a minute.
CREATE FUNCTION confer_pause_refusal(p_event uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('code', 'unavailable', 'detail',
           jsonb_build_object('message', m, 'retryAfter', 60)::text)
    FROM (SELECT coalesce((SELECT message FROM service_pause),
                          (SELECT paused_message FROM events WHERE id = p_event)) AS m) p
   WHERE m IS NOT NULL
$$;

CREATE OR REPLACE FUNCTION confer_booking_refusal(
  p_slot uuid, p_family uuid, p_student uuid, p_school uuid, p_override text, p_changing uuid
) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  c record;
  v_free_rules boolean := coalesce(p_override IN ('staff', 'cover_offer'), false);
  v_paused jsonb;
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
  -- Paused (migration 024): families only. Staff ('staff', 'cover_offer') fix the
  -- evening while it is paused, and the fair-start draw places choices made before.
  IF p_override IS NULL THEN
    v_paused := confer_pause_refusal(c.event_id);
    IF v_paused IS NOT NULL THEN RETURN v_paused; END IF;
  END IF;
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
