-- One door for every booking change (issue 11; docs/booking-door.md). Before this,
-- each path to the bookings table checked its own subset of the rules: the main
-- road (confer_hold) checked them all, while the waiting list's acceptance, the
-- itinerary hold and the draw each had their own, shorter list. Here the rules that
-- can live in PostgreSQL are written once, in confer_booking_refusal, and every
-- path that gives a family a slot asks it; a staff override is a named argument,
-- recorded in the booking log with the change it allowed.

-- "Active" is written once: a confirmed booking, or a hold whose time has not run
-- out (the clock, not the expiry worker, decides). A plain SQL expression, so the
-- planner inlines it and the partial indexes still apply.
CREATE FUNCTION booking_is_active(p_status booking_status, p_expires_at timestamptz)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p_status = 'confirmed' OR (p_status = 'held' AND p_expires_at > now())
$$;

-- Who let a change through the rules: 'staff' (an admin booking for a family),
-- 'cover_offer' (an absent teacher's appointments offered to a cover teacher),
-- 'fair_start_draw' (the draw, which is the fair start itself). Null for changes that
-- passed every rule. Read from a transaction-local setting that the booking
-- functions set, so every writer of the log (confer_record_changes, recordChanges,
-- confer_confirm) records it without each growing a parameter.
ALTER TABLE booking_log ADD COLUMN override text
  DEFAULT nullif(current_setting('confer.override', true), '')
  CHECK (override IS NULL OR override IN ('staff', 'cover_offer', 'fair_start_draw'));

-- The booking policy: why family p_family may not have slot p_slot for child
-- p_student, asked by someone of school p_school (null: the system, bound by the
-- slot's own school), or null when nothing stands in the way. Answers
-- {"code": <error code>, "detail": <JSON text for the message>}. The rules, in the
-- order every path asks them:
--   1. tenancy: the slot, the child and the family are of one school, the asker's;
--      the child is the family's (not_found, so other ids reveal nothing);
--   2. the window: an archived event never changes; families book only while it is
--      open (window_closed);
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
CREATE FUNCTION confer_booking_refusal(
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
         AND b.id IS DISTINCT FROM p_changing) >= c.max_per_student THEN
    RETURN '{"code": "cap_reached"}';
  END IF;
  RETURN NULL;
END
$$;

-- The hold, as in migration 009, with its checks replaced by the policy.
CREATE OR REPLACE FUNCTION confer_hold(
  p_slot uuid, p_family uuid, p_student uuid, p_school uuid, p_by_staff boolean,
  p_actor_kind text, p_actor_id uuid, p_principal text, p_key text, p_hash text
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  c record;
  v_lapsed record;
  v_refusal jsonb;
  v_booking uuid;
  v_row jsonb;
  v_booking_ids uuid[] := '{}';
  v_slot_ids uuid[] := '{}';
  v_family_ids uuid[] := '{}';
  v_student_ids uuid[] := '{}';
  v_actions text[] := '{}';
  v_changes jsonb;
  v_slots jsonb;
BEGIN
  IF p_key IS NOT NULL THEN
    v_row := confer_stored_answer(p_principal, p_key);
    IF v_row IS NOT NULL THEN RETURN v_row; END IF;
  END IF;

  -- The slot row is locked first: changes to one slot queue here, so its versions
  -- rise in commit order; NO KEY, so inserting the booking (which references the
  -- slot) does not conflict with our own lock. The child's row is locked too, so
  -- two holds for one child cannot both squeeze under the per-child cap. Read in
  -- this transaction, the fair-start draw (which locks the event row) and the hold
  -- cannot interleave wrongly.
  SELECT s.event_id, e.hold_seconds
    INTO c
    FROM slots s JOIN events e ON e.id = s.event_id
    JOIN students st ON st.id = p_student
   WHERE s.id = p_slot
     FOR NO KEY UPDATE OF s FOR UPDATE OF st;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'not_found' USING DETAIL = '{"message": "This slot or child does not exist."}';
  END IF;
  -- Every rule, in the one order every path asks them (confer_booking_refusal).
  v_refusal := confer_booking_refusal(p_slot, p_family, p_student, p_school,
                                      CASE WHEN p_by_staff THEN 'staff' END, NULL);
  IF v_refusal IS NOT NULL THEN
    RAISE EXCEPTION '%', v_refusal->>'code' USING DETAIL = coalesce(v_refusal->>'detail', '{}');
  END IF;
  IF p_by_staff THEN PERFORM set_config('confer.override', 'staff', true); END IF;

  -- Lapsed holds that stand in the way are ended now rather than waiting for the
  -- expiry job: correctness must not depend on when a worker runs.
  FOR v_lapsed IN
    UPDATE bookings SET status = 'expired', ended_at = now()
     WHERE event_id = c.event_id AND status = 'held' AND expires_at <= now()
       AND (slot_id = p_slot OR family_id = p_family OR student_id = p_student)
     RETURNING id, slot_id, family_id, student_id
  LOOP
    v_booking_ids := v_booking_ids || v_lapsed.id;
    v_slot_ids := v_slot_ids || v_lapsed.slot_id;
    v_family_ids := v_family_ids || v_lapsed.family_id;
    v_student_ids := v_student_ids || v_lapsed.student_id;
    v_actions := v_actions || 'expired'::text;
  END LOOP;

  INSERT INTO bookings (slot_id, family_id, student_id, status, expires_at, created_by, created_by_id)
  VALUES (p_slot, p_family, p_student, 'held', now() + make_interval(secs => c.hold_seconds), p_actor_kind, p_actor_id)
  RETURNING id INTO v_booking;
  v_booking_ids := v_booking_ids || v_booking;
  v_slot_ids := v_slot_ids || p_slot;
  v_family_ids := v_family_ids || p_family;
  v_student_ids := v_student_ids || p_student;
  v_actions := v_actions || 'held'::text;

  SELECT jsonb_agg(jsonb_build_object(
           'action', v_actions[r.ord], 'version', r.version, 'slotId', v_slot_ids[r.ord],
           'bookingId', v_booking_ids[r.ord], 'familyId', v_family_ids[r.ord],
           'studentId', v_student_ids[r.ord]) ORDER BY r.ord)
    INTO v_changes
    FROM confer_record_changes(c.event_id, p_actor_kind, p_actor_id,
                               v_booking_ids, v_slot_ids, v_family_ids, v_student_ids, v_actions) r;
  SELECT jsonb_agg(to_jsonb(sr)) INTO v_slots FROM slot_rows sr WHERE sr.id = ANY (v_slot_ids);
  SELECT to_jsonb(br) INTO v_row FROM booking_rows br WHERE br.id = v_booking;

  IF p_key IS NOT NULL THEN
    PERFORM confer_store_answer(p_principal, p_key, p_hash, jsonb_build_object('ok', true, 'row', v_row));
  END IF;
  RETURN jsonb_build_object('booking', v_row, 'slots', v_slots, 'changes', v_changes);
END
$$;

