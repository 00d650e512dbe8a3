-- A confirmation in one round trip (as the hold, booking-hold.sql), asking the policy
-- for every hold.
--
-- p_arrived_at: a confirmation that reached the server before its hold lapsed is not
-- refused as hold_expired because it then waited for a database connection (in a fault
-- run two on-time confirmations were refused after waiting past their hold). The caller
-- passes the instant the confirmation reached the booking door; the hold counts as live
-- if it was live then. The instant is the application server's, never a client's, and
-- is bounded to the last five seconds. A hold another family's hold or the expiry
-- worker has already ended stays ended: the grace only covers the wait.
--
-- The signature without p_arrived_at (migration 009) was dropped by migration 010.
DROP FUNCTION IF EXISTS confer_confirm(uuid, uuid, uuid, boolean, uuid[], text, uuid, text, text, text);

-- A family's confirmation of its holds (all of them, or those named), all or
-- nothing, with its idempotency key. Answers {"replay": …, "hash": …} or
-- {"bookings": [<booking_rows rows>], "slots": [...], "changes": [...]}; refuses by
-- raising like confer_hold. The success answer is stored as {"ok": true, "rows": […]}.
CREATE OR REPLACE FUNCTION confer_confirm(
  p_event uuid, p_family uuid, p_school uuid, p_by_staff boolean, p_hold_ids uuid[],
  p_actor_kind text, p_actor_id uuid, p_principal text, p_key text, p_hash text,
  p_arrived_at timestamptz
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  e record;
  v_ids uuid[];
  v_slot_ids uuid[];
  v_student_ids uuid[];
  v_all_live boolean;
  v_n int;
  v_changes jsonb;
  v_slots jsonb;
  v_rows jsonb;
  v_answer jsonb;
  v_refusal jsonb;
  -- The server's arrival instant, never earlier than five seconds ago nor later
  -- than now (a server clock running ahead or behind gains nothing). Five seconds is
  -- the confirmation grace, CONFIRMATION_GRACE_MS in
  -- server/src/features/booking/confirmation-grace.ts: the expiry job, expireHold and
  -- the lapsed-hold sweep end a hold only once it is that far past expires_at, so a
  -- confirmation this clamp lets through never finds its hold ended by them.
  v_arrival timestamptz := least(now(), greatest(coalesce(p_arrived_at, now()), now() - interval '5 seconds'));
BEGIN
  IF p_key IS NOT NULL THEN
    v_answer := confer_stored_answer(p_principal, p_key);
    IF v_answer IS NOT NULL THEN RETURN v_answer; END IF;
  END IF;

  SELECT school_id, archived_at IS NOT NULL AS archived,
         archived_at IS NULL AND now() >= booking_opens_at AND now() < booking_closes_at AS open
    INTO e FROM events WHERE id = p_event;
  IF NOT FOUND OR e.school_id <> p_school THEN
    RAISE EXCEPTION 'not_found' USING DETAIL = '{"message": "This event does not exist."}';
  END IF;
  IF e.archived OR (NOT p_by_staff AND NOT e.open) THEN RAISE EXCEPTION 'window_closed'; END IF;

  -- Locked in id order, so two confirmations of one family cannot deadlock.
  SELECT array_agg(id ORDER BY id), array_agg(slot_id ORDER BY id), array_agg(student_id ORDER BY id),
         coalesce(bool_and(expires_at > v_arrival), true), count(*)
    INTO v_ids, v_slot_ids, v_student_ids, v_all_live, v_n
    FROM (SELECT id, slot_id, student_id, expires_at FROM bookings
           WHERE family_id = p_family AND event_id = p_event AND status = 'held'
             AND (p_hold_ids IS NULL OR id = ANY (p_hold_ids))
           ORDER BY id FOR UPDATE) held;
  IF p_hold_ids IS NOT NULL AND v_n <> cardinality(ARRAY(SELECT DISTINCT unnest(p_hold_ids))) THEN
    IF EXISTS (SELECT 1 FROM bookings WHERE id = ANY (p_hold_ids) AND family_id = p_family
                AND status = 'expired') THEN
      RAISE EXCEPTION 'hold_expired';
    END IF;
    RAISE EXCEPTION 'not_found' USING DETAIL = '{"message": "No such hold."}';
  END IF;
  IF v_n = 0 THEN
    IF EXISTS (SELECT 1 FROM bookings WHERE family_id = p_family AND event_id = p_event
                AND status = 'expired') THEN
      RAISE EXCEPTION 'hold_expired';
    END IF;
    RAISE EXCEPTION 'not_found' USING DETAIL = '{"message": "You have no holds to confirm."}';
  END IF;
  IF NOT v_all_live THEN RAISE EXCEPTION 'hold_expired'; END IF;

  -- The one booking policy (booking-policy.sql), asked for every hold as for the hold
  -- itself, the hold not counted against its child's cap. A family confirming is
  -- held to every rule — among them the fair start: a hold staff made during the
  -- collection is not the family's booking before the draw. Staff confirming pass
  -- the named override 'staff' (booking-log.sql's trigger logs it with the change).
  FOR i IN 1 .. v_n LOOP
    v_refusal := confer_booking_refusal(v_slot_ids[i], p_family, v_student_ids[i], p_school,
                                        CASE WHEN p_by_staff THEN 'staff' END, v_ids[i]);
    IF v_refusal IS NOT NULL THEN
      RAISE EXCEPTION '%', v_refusal->>'code' USING DETAIL = coalesce(v_refusal->>'detail', '{}');
    END IF;
  END LOOP;

  UPDATE bookings SET status = 'confirmed', confirmed_at = now(), expires_at = NULL WHERE id = ANY (v_ids);

  SELECT jsonb_agg(jsonb_build_object(
           'action', 'confirmed', 'version', r.version, 'slotId', v_slot_ids[r.ord],
           'bookingId', v_ids[r.ord], 'familyId', p_family, 'studentId', v_student_ids[r.ord]) ORDER BY r.ord)
    INTO v_changes
    FROM confer_record_changes(p_event, p_actor_kind, p_actor_id, v_ids, v_slot_ids,
                               array_fill(p_family, ARRAY[v_n]), v_student_ids,
                               array_fill('confirmed'::text, ARRAY[v_n])) r;
  SELECT jsonb_agg(to_jsonb(sr)) INTO v_slots FROM slot_rows sr WHERE sr.id = ANY (v_slot_ids);
  SELECT jsonb_agg(to_jsonb(br) ORDER BY br.starts_at) INTO v_rows FROM booking_rows br WHERE br.id = ANY (v_ids);

  IF p_key IS NOT NULL THEN
    PERFORM confer_store_answer(p_principal, p_key, p_hash, jsonb_build_object('ok', true, 'rows', v_rows));
  END IF;
  RETURN jsonb_build_object('bookings', v_rows, 'slots', v_slots, 'changes', v_changes);
END
$$;
