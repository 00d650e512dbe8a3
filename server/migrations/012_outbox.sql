-- Tell after commit, from the commit. What a booking change must cause outside
-- PostgreSQL — a mail to the family, facts on the live channel — is written here in
-- the same transaction as the change, and relayed afterwards (server/src/infra/
-- outbox-relay.ts). An instance that dies after its COMMIT, or a Redis that is down
-- at that moment, can then delay what the commit promised but never lose it.
--
-- The rows are written by PostgreSQL itself, from the booking log, so no code path
-- that records a change can forget them (every change passes confer_record_changes).
CREATE TABLE outbox (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic       text NOT NULL CHECK (topic IN ('mail', 'facts')),
  event_id    uuid NOT NULL,
  -- mail: which mail, to which family, about which bookings, and who acted.
  mail_kind   text CHECK (mail_kind IN ('confirmed', 'cancelled', 'changed')),
  family_id   uuid,
  booking_ids uuid[],
  actor_kind  text,
  -- facts: the versions (booking_log.version) this commit gave its changes. Only the
  -- versions: the relay reads the rest from the log and the slots, and only for the
  -- rare row nobody announced, so the hold path writes as little as possible.
  versions    bigint[],
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK ((topic = 'mail') = (mail_kind IS NOT NULL AND family_id IS NOT NULL AND booking_ids IS NOT NULL)),
  CHECK ((topic = 'facts') = (versions IS NOT NULL))
);
-- No foreign keys: a key check per hold is cost on the hottest path, and a row whose
-- event or booking has gone since is simply relayed as "nothing to send".

-- One statement of confer_record_changes appends all changes of one call; this runs
-- once per such statement and sees them all (REFERENCING NEW TABLE), so a confirmation
-- of three holds is one mail, and a hold costs one small insert.
CREATE FUNCTION booking_log_to_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER booking_log_outbox AFTER INSERT ON booking_log
  REFERENCING NEW TABLE AS logged
  FOR EACH STATEMENT EXECUTE FUNCTION booking_log_to_outbox();

-- The sent-log becomes a two-step record: 'sending' is committed BEFORE the SMTP
-- exchange and 'sent' after it. A retry that finds 'sent' does nothing; one that finds
-- 'sending' does not know whether the server accepted the first try (the "250" may have
-- arrived while our write of 'sent' failed), so it sends again with the same Message-ID:
-- at-least-once, and a second copy is recognisable as the same mail. Rows written
-- before this migration were sent.
ALTER TABLE email_log
  ADD COLUMN state text NOT NULL DEFAULT 'sent' CHECK (state IN ('sending', 'sent')),
  ADD COLUMN attempts integer NOT NULL DEFAULT 1,
  -- When the current attempt started; another worker leaves the mail alone until the
  -- attempt could have finished (two workers never send one mail at the same moment).
  ADD COLUMN claimed_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN email_log.sent_at IS 'when the mail was accepted by SMTP; for a row still sending, when it was first claimed';
