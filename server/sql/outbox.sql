-- Tell after commit, from the commit (table: migration 012; relayed by
-- server/src/infra/outbox-relay.ts). The rows are written by PostgreSQL itself, from
-- the booking log, so no code path that records a change can forget them (every change
-- passes confer_record_changes or writes booking_log).
--
-- One statement of confer_record_changes appends all changes of one call; this runs
-- once per such statement and sees them all (REFERENCING NEW TABLE), so a confirmation
-- of three holds is one mail, and a hold costs one small insert.
CREATE OR REPLACE FUNCTION booking_log_to_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox (topic, event_id, versions)
  SELECT 'facts', event_id, array_agg(version ORDER BY version) FROM logged GROUP BY event_id;

  -- What a family hears about: confirmations, cancellations, and moves or resizes of a
  -- confirmed appointment (a held slot that grows is not news). One mail per family
  -- and kind; who acted is the log's actor.
  INSERT INTO outbox (topic, event_id, mail_kind, family_id, booking_ids, actor_kind)
  SELECT 'mail', l.event_id, m.kind, l.family_id, array_agg(DISTINCT l.booking_id), min(l.actor_kind)
    FROM logged l
    CROSS JOIN LATERAL (SELECT CASE l.action WHEN 'confirmed' THEN 'confirmed'
                                             WHEN 'cancelled' THEN 'cancelled'
                                             ELSE 'changed' END AS kind) m
   WHERE l.family_id IS NOT NULL AND l.booking_id IS NOT NULL
     AND (l.action IN ('confirmed', 'cancelled')
          OR (l.action IN ('moved', 'resized')
              AND EXISTS (SELECT 1 FROM bookings b WHERE b.id = l.booking_id AND b.status = 'confirmed')))
   GROUP BY l.event_id, l.family_id, m.kind;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER booking_log_outbox AFTER INSERT ON booking_log
  REFERENCING NEW TABLE AS logged
  FOR EACH STATEMENT EXECUTE FUNCTION booking_log_to_outbox();
