-- A hold in one round trip. On opening night the server's event loop is busy with
-- sockets, and every round trip inside a transaction waits for it: a hold made of eight
-- statements kept its pool connection (and its slot's row lock) for eight event-loop
-- turns, and the pool, not PostgreSQL, capped the booking rate. So the whole hold runs
-- inside PostgreSQL as one statement; the server only sends it and reads the answer.
-- The rules are the policy's (booking-policy.sql) and the constraints on bookings.
--
-- A family's (or an admin's) hold, with its idempotency key. Answers one of
--   {"replay": <stored answer>, "hash": <its request hash>}   the key was used before;
--   {"booking": <booking_rows row>, "slots": [<slot_rows rows>], "changes": [...]}
-- and refuses by raising: SQLSTATE P0001 with the error code as message (detail:
-- JSON for the message), or a constraint violation (23505/23P01) naming the rule;
-- 'already_answered' when a concurrent twin stored its answer first. A refusal
-- rolls everything back. The success answer is stored as {"ok": true, "row": …}:
-- the server turns the row into the answer it sends, the same way on a replay.
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
