-- The one booking policy (docs/booking-door.md): the rules that can live in PostgreSQL,
-- written once, asked by every path that gives a family a slot (confer_hold,
-- confer_confirm, and the TypeScript writers through booking-policy.ts). A staff
-- override is a named argument, recorded in the booking log with the change it allowed
-- (booking_log.override, filled from the transaction-local setting confer.override).
--
-- "Active" is written once: a confirmed booking, or a hold whose time has not run
-- out (the clock, not the expiry worker, decides). A plain SQL expression, so the
-- planner inlines it and the partial indexes still apply.
CREATE OR REPLACE FUNCTION booking_is_active(p_status booking_status, p_expires_at timestamptz)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p_status = 'confirmed' OR (p_status = 'held' AND p_expires_at > now())
$$;

-- The refusal a pause stands for, or null: the operator's pause first (it covers every
-- event), then the event's own. Asked by the policy below and by the paths that write
-- no booking but must stop too (fair-start requests). retryAfter: a pause has no known
-- end, so clients look again in a minute.
CREATE OR REPLACE FUNCTION confer_pause_refusal(p_event uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('code', 'unavailable', 'detail',
           jsonb_build_object('message', m, 'retryAfter', 60)::text)
    FROM (SELECT coalesce((SELECT message FROM service_pause),
                          (SELECT paused_message FROM events WHERE id = p_event)) AS m) p
   WHERE m IS NOT NULL
$$;

-- The booking policy: why family p_family may not have slot p_slot for child
-- p_student, asked by someone of school p_school (null: the system, bound by the
-- slot's own school), or null when nothing stands in the way. Answers
-- {"code": <error code>, "detail": <JSON text for the message>}. The rules, in the
-- order every path asks them:
--   1. tenancy: the slot, the child and the family are of one school, the asker's;
--      the child is the family's (not_found, so other ids reveal nothing);
--   2. the window: an archived event never changes; families book only while it is
--      open (window_closed);
--      paused: an event paused by its admin, or the whole service by the operator,
--      refuses families (unavailable, with the message; confer_pause_refusal);
--   3. the booking mode: while a fair start collects requests, nothing is booked
--      before the draw (fair_start_pending);
--   4. the slot: blocked, or offered to another family from the waiting list (slot_taken);
--   5. the teacher teaches the child (not_your_teacher);
--   6. the child's cap (cap_reached), p_changing (a booking being replaced or
--      lengthened) not counted.
-- Clashes, the gap and one-per-slot/teacher are the constraints on bookings, which
-- no path can skip. The virtual queue and the admission guard live in Redis and are
-- asked in TypeScript (booking.service.ts, offers.service.ts) before this.
-- p_override: null (every rule); 'fair_start_draw' (skips 3: the draw is the mode);
-- 'staff' or 'cover_offer' (skip 2's window, 3, 4's offer and 5; never archive, tenancy or cap).
-- Any override skips the pause: staff fix the evening while it is paused, and the
-- fair-start draw places choices made before.
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
  -- Paused: families only. Staff ('staff', 'cover_offer') fix the
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
