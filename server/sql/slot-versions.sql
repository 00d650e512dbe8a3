-- Versions are per slot, numbered from one sequence (change_version_seq, slots.version:
-- migration 008), instead of one counter per event: every booking of an evening once
-- queued on the event's row. Screens need each slot's changes in order, which the
-- slot's own row lock gives, and a snapshot whose slots carry the versions they reflect.
-- The TypeScript writers (recordChanges in server/src/features/booking) call this too.
--
-- Records changes made in the calling transaction: locks the changed slots (in id
-- order, so two multi-slot changes cannot deadlock), gives each change the next
-- version (after every earlier change to its slot has committed, so a slot's
-- versions rise in commit order), stamps the slots and appends to the booking log.
CREATE OR REPLACE FUNCTION confer_record_changes(
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
