-- Retention detaches an old event from the school's people instead of anonymising
-- the people: a purged event's bookings (and its booking-log rows) are re-pointed at
-- placeholder families and students made for it, so the event keeps its counts while
-- the live roster — the same families booking this term — keeps its names and codes.

-- Placeholders hold no person: like erased families they stay out of rosters,
-- counts and mailings.
ALTER TABLE students ADD COLUMN placeholder boolean NOT NULL DEFAULT false;
ALTER TABLE families ADD COLUMN placeholder boolean NOT NULL DEFAULT false;

-- The log stays append-only. The one change allowed is retention re-pointing a row's
-- family/student (and a family actor) at placeholders, said explicitly in its
-- transaction; what happened, when and at which version never changes.
CREATE OR REPLACE FUNCTION booking_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('confer.allow_school_removal', true) = 'on' THEN
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' AND current_setting('confer.retention', true) = 'on'
     AND (NEW.id, NEW.event_id, NEW.booking_id, NEW.slot_id, NEW.action, NEW.actor_kind, NEW.version, NEW.at)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.event_id, OLD.booking_id, OLD.slot_id, OLD.action, OLD.actor_kind, OLD.version, OLD.at)
     AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR OLD.actor_kind = 'family') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'booking_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
