-- Holds and confirmations in one round trip each. On opening night the server's
-- event loop is busy with sockets, and every round trip inside a transaction waits
-- for it: a hold made of
-- eight statements kept its pool connection (and its slot's row lock) for eight
-- event-loop turns, and the pool, not PostgreSQL, capped the booking rate. Here the
-- whole hold runs inside PostgreSQL as one statement; the server only sends it and
-- reads the answer. The rules stay where they were (the constraints on bookings);
-- this moves the checks and the bookkeeping next to them.

-- What a slot shows (booking-views.ts and slot-views.ts read these too, so the
-- server and the functions below cannot drift apart). A hold past its expires_at
-- counts as free even before the expiry job has run: the clock, not the worker,
-- decides when a hold lapses.
CREATE VIEW slot_rows AS
  SELECT s.id, s.event_id, s.staff_id, s.starts_at, s.ends_at, s.room, s.blocked, s.version,
         b.id AS booking_id, b.status, b.expires_at, b.family_id, f.surname AS family_surname,
         b.student_id, st.first_name || ' ' || st.surname AS student_name
    FROM slots s
    LEFT JOIN bookings b ON b.slot_id = s.id
         AND (b.status = 'confirmed' OR (b.status = 'held' AND b.expires_at > now()))
    LEFT JOIN families f ON f.id = b.family_id
    LEFT JOIN students st ON st.id = b.student_id;

-- A booking as its family and staff see it.
CREATE VIEW booking_rows AS
  SELECT b.id, b.event_id, b.slot_id, b.staff_id, b.student_id, b.family_id, b.status,
         b.starts_at, b.ends_at, s.room, b.expires_at, t.title, t.first_name, t.surname,
         stu.first_name || ' ' || stu.surname AS student_name
    FROM bookings b
    JOIN slots s ON s.id = b.slot_id
    JOIN staff t ON t.id = b.staff_id
    JOIN students stu ON stu.id = b.student_id;

-- Records changes made in the calling transaction: locks the changed slots (in id
-- order, so two multi-slot changes cannot deadlock), gives each change the next
-- version (after every earlier change to its slot has committed, so a slot's
-- versions rise in commit order), stamps the slots and appends to the booking log.
CREATE FUNCTION confer_record_changes(
  p_event uuid, p_actor_kind text, p_actor_id uuid,
  p_booking_ids uuid[], p_slot_ids uuid[], p_family_ids uuid[], p_student_ids uuid[], p_actions text[]
) RETURNS TABLE (ord int, version bigint) LANGUAGE sql AS $$
  WITH locked AS (
         SELECT id FROM slots WHERE id IN (SELECT unnest(p_slot_ids)) ORDER BY id FOR NO KEY UPDATE),
       t AS (
         SELECT * FROM unnest(p_booking_ids, p_slot_ids, p_family_ids, p_student_ids, p_actions)
           WITH ORDINALITY AS t(booking_id, slot_id, family_id, student_id, action, ord)),
       -- Joined with the lock count so that every lock is held before the first nextval.
       v AS (SELECT t.*, nextval('change_version_seq') AS version
               FROM t CROSS JOIN (SELECT count(*) FROM locked) l ORDER BY ord),
       bump AS (
         UPDATE slots s SET version = m.version
           FROM (SELECT slot_id, max(version) AS version FROM v GROUP BY slot_id) m
          WHERE s.id = m.slot_id),
       logged AS (
         INSERT INTO booking_log (event_id, booking_id, slot_id, family_id, student_id, action, actor_kind, actor_id, version)
         SELECT p_event, booking_id, slot_id, family_id, student_id, action, p_actor_kind, p_actor_id, version FROM v)
  SELECT ord::int, version FROM v ORDER BY ord
$$;

-- The idempotent answer already given under a key, as {"replay": …, "hash": …}, or null.
CREATE FUNCTION confer_stored_answer(p_principal text, p_key text) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('replay', k.response, 'hash', k.request_hash)
    FROM idempotency_keys k WHERE k.principal = p_principal AND k.key = p_key
$$;

-- Stores a write's answer under its key in the write's own transaction; when a
-- concurrent twin stored one first, raises 'already_answered' (the caller replays it).
CREATE FUNCTION confer_store_answer(p_principal text, p_key text, p_hash text, p_response jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_stored int;
BEGIN
  INSERT INTO idempotency_keys (principal, key, request_hash, status_code, response)
  VALUES (p_principal, p_key, p_hash, 200, p_response)
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS v_stored = ROW_COUNT;
  IF v_stored = 0 THEN RAISE EXCEPTION 'already_answered'; END IF;
END
$$;

-- A family's (or an admin's) hold, with its idempotency key. Answers one of
--   {"replay": <stored answer>, "hash": <its request hash>}   the key was used before;
--   {"booking": <booking_rows row>, "slots": [<slot_rows rows>], "changes": [...]}
-- and refuses by raising: SQLSTATE P0001 with the error code as message (detail:
-- JSON for the message), or a constraint violation (23505/23P01) naming the rule;
-- 'already_answered' when a concurrent twin stored its answer first. A refusal
-- rolls everything back. The success answer is stored as {"ok": true, "row": …}:
-- the server turns the row into the answer it sends, the same way on a replay.
CREATE FUNCTION confer_hold(
  p_slot uuid, p_family uuid, p_student uuid, p_school uuid, p_by_staff boolean,
  p_actor_kind text, p_actor_id uuid, p_principal text, p_key text, p_hash text
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  c record;
  v_lapsed record;
  v_active int;
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
  SELECT s.event_id, s.staff_id, s.blocked, e.school_id, e.hold_seconds, e.max_per_student,
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
    JOIN students st ON st.id = p_student AND st.school_id = e.school_id
   WHERE s.id = p_slot
     FOR NO KEY UPDATE OF s FOR UPDATE OF st;
  IF NOT FOUND OR c.school_id <> p_school THEN
    RAISE EXCEPTION 'not_found' USING DETAIL = '{"message": "This slot or child does not exist."}';
  END IF;
  IF c.archived OR (NOT p_by_staff AND NOT c.open) THEN RAISE EXCEPTION 'window_closed'; END IF;
  IF NOT p_by_staff AND c.collecting THEN
    RAISE EXCEPTION 'fair_start_pending'
      USING DETAIL = jsonb_build_object('windowEndsAt', c.window_ends_at, 'timeZone', c.time_zone)::text;
  END IF;
  IF NOT p_by_staff AND c.offered THEN
    RAISE EXCEPTION 'slot_taken'
      USING DETAIL = '{"message": "This slot is being offered to a family on the waiting list."}';
  END IF;
  IF c.blocked THEN
    RAISE EXCEPTION 'slot_taken' USING DETAIL = '{"message": "This slot is not available."}';
  END IF;
  IF NOT c.linked THEN
    RAISE EXCEPTION 'not_found' USING DETAIL = '{"message": "This child is not in this family."}';
  END IF;
  IF NOT p_by_staff AND NOT c.teaches THEN RAISE EXCEPTION 'not_your_teacher'; END IF;

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
  SELECT count(*) INTO v_active FROM bookings
   WHERE event_id = c.event_id AND student_id = p_student AND status IN ('held', 'confirmed');
  IF v_active >= c.max_per_student THEN RAISE EXCEPTION 'cap_reached'; END IF;

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

-- A family's confirmation of its holds (all of them, or those named), all or
-- nothing, with its idempotency key. Answers {"replay": …, "hash": …} or
-- {"bookings": [<booking_rows rows>], "slots": [...], "changes": [...]}; refuses by
-- raising like confer_hold. The success answer is stored as {"ok": true, "rows": […]}.
CREATE FUNCTION confer_confirm(
  p_event uuid, p_family uuid, p_school uuid, p_by_staff boolean, p_hold_ids uuid[],
  p_actor_kind text, p_actor_id uuid, p_principal text, p_key text, p_hash text
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
         coalesce(bool_and(expires_at > now()), true), count(*)
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
