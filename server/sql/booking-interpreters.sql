-- Interpreters through the one booking door (tables: migration 033; docs/booking-door.md,
-- "Interpreters"). A live booking of a family that needs an interpreter holds one: a
-- trigger on bookings reserves a free interpreter who speaks the family's language and
-- sits in a window covering the booking's time, in the statement that wrote the booking,
-- and refuses the booking ('interpreter_unavailable') when there is none. A trigger and
-- not a step in each writer, because bookings are written by the hold, the confirmation,
-- staff moves and resizes, the fair-start draw, offers and the family's own move: none
-- of them can forget it, and a refusal rolls the booking back with it. The exclusion
-- constraint booking_interpreters_no_overlap decides races.

-- Whether someone speaking p_speaks can interpret for p_needed: the same tag, or one a
-- prefix of the other at a subtag boundary (pt serves pt-BR; pt-BR serves pt; pt-PT
-- does not serve pt-BR). Tags are compared without regard to case, as BCP-47 says.
CREATE OR REPLACE FUNCTION confer_language_fits(p_speaks text[], p_needed text)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT EXISTS (SELECT 1 FROM unnest(p_speaks) AS l(tag)
                  WHERE lower(l.tag) = lower(p_needed)
                     OR lower(p_needed) LIKE lower(l.tag) || '-%'
                     OR lower(l.tag) LIKE lower(p_needed) || '-%')
$$;

-- The interpreters who could take a meeting of family p_family at p_during in event
-- p_event for p_language: of the event's school, speaking it, sitting in one window
-- that covers the whole time, and in no active meeting of another family that overlaps
-- it (the family's own meeting is the one being moved or changed: a family is never in
-- two places, bookings_family_clash). `load` is their live meetings at the event, so
-- the least busy is asked first. A lapsed hold counts as free, as everywhere else
-- (booking_is_active); the trigger below frees its reservation before taking the time.
CREATE OR REPLACE FUNCTION confer_free_interpreters(
  p_event uuid, p_language text, p_during tstzrange, p_family uuid
) RETURNS TABLE (interpreter_id uuid, load bigint) LANGUAGE sql STABLE AS $$
  SELECT i.id,
         (SELECT count(*) FROM booking_interpreters bl
           WHERE bl.interpreter_id = i.id AND bl.event_id = p_event AND bl.status IN ('held', 'confirmed'))
    FROM interpreters i
   WHERE i.school_id = (SELECT e.school_id FROM events e WHERE e.id = p_event)
     AND confer_language_fits(i.languages, p_language)
     AND EXISTS (SELECT 1 FROM interpreter_availability w
                  WHERE w.interpreter_id = i.id AND w.event_id = p_event
                    AND tstzrange(w.starts_at, w.ends_at) @> p_during)
     AND NOT EXISTS (SELECT 1 FROM booking_interpreters bi JOIN bookings b ON b.id = bi.booking_id
                      WHERE bi.interpreter_id = i.id AND bi.status IN ('held', 'confirmed')
                        AND bi.during && p_during AND b.family_id <> p_family
                        AND booking_is_active(b.status, b.expires_at))
$$;

-- A reservation's event, time and state are the booking's, never the caller's; its
-- interpreter is of the booking's school.
CREATE OR REPLACE FUNCTION booking_interpreters_fill() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  b record;
BEGIN
  SELECT bk.event_id, bk.status, bk.during, e.school_id INTO b
    FROM bookings bk JOIN events e ON e.id = bk.event_id WHERE bk.id = NEW.booking_id;
  IF NOT FOUND THEN
    RAISE foreign_key_violation USING MESSAGE = 'booking does not exist';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM interpreters i WHERE i.id = NEW.interpreter_id AND i.school_id = b.school_id) THEN
    RAISE foreign_key_violation USING MESSAGE = 'interpreter is not of the booking''s school';
  END IF;
  NEW.event_id := b.event_id;
  NEW.status := b.status;
  NEW.during := b.during;
  RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER booking_interpreters_fill BEFORE INSERT ON booking_interpreters
  FOR EACH ROW EXECUTE FUNCTION booking_interpreters_fill();

-- Follows a booking's changes. An ended booking (cancelled, expired, released) frees
-- its interpreter; a confirmed hold keeps its interpreter; a booking whose time changed
-- (a move, a resize, a re-cut sitting) keeps its interpreter if they are still free and
-- sitting then, or takes another; a new live booking of a family that needs an
-- interpreter takes one. None free: 'interpreter_unavailable', and the statement that
-- wrote the booking fails with it.
--
-- Two bookings racing for the last free interpreter both find them free; the
-- exclusion constraint makes the second wait for the first and then refuses it, and
-- the second tries the next candidate (each try under its own savepoint).
--
-- A family without a need pays one primary-key read of families per written booking
-- (and, on an update, one of booking_interpreters): the hold path's only cost.
CREATE OR REPLACE FUNCTION bookings_reserve_interpreter() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_current booking_interpreters%ROWTYPE;
  v_has_current boolean := false;
  v_language text;
  v_candidate uuid;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    SELECT * INTO v_current FROM booking_interpreters WHERE booking_id = NEW.id;
    v_has_current := FOUND;
  END IF;
  IF NEW.status NOT IN ('held', 'confirmed') THEN
    -- The row stays, with the booking's end state, as the record of who interpreted.
    IF v_has_current AND v_current.status <> NEW.status THEN
      UPDATE booking_interpreters SET status = NEW.status WHERE booking_id = NEW.id;
    END IF;
    RETURN NULL;
  END IF;
  IF v_has_current AND v_current.status IN ('held', 'confirmed') AND v_current.during = NEW.during THEN
    IF v_current.status <> NEW.status THEN
      UPDATE booking_interpreters SET status = NEW.status WHERE booking_id = NEW.id;
    END IF;
    RETURN NULL;
  END IF;

  SELECT f.interpreter_language INTO v_language FROM families f WHERE f.id = NEW.family_id;
  IF v_language IS NULL THEN
    -- The family no longer needs one (staff cleared it): the changed booking holds nobody.
    IF v_has_current THEN DELETE FROM booking_interpreters WHERE booking_id = NEW.id; END IF;
    RETURN NULL;
  END IF;

  FOR v_candidate IN
    SELECT c.interpreter_id
      FROM confer_free_interpreters(NEW.event_id, v_language, NEW.during, NEW.family_id) c
     ORDER BY c.interpreter_id IS NOT DISTINCT FROM v_current.interpreter_id DESC, c.load, c.interpreter_id
  LOOP
    BEGIN
      -- A lapsed hold still holding this interpreter then lets go of them now, as
      -- confer_hold ends the lapsed holds in a slot's way: the clock decides.
      UPDATE booking_interpreters bi SET status = 'expired'
        FROM bookings b
       WHERE b.id = bi.booking_id AND bi.interpreter_id = v_candidate AND bi.status = 'held'
         AND bi.during && NEW.during AND b.id <> NEW.id AND NOT booking_is_active(b.status, b.expires_at);
      IF v_has_current THEN
        UPDATE booking_interpreters
           SET interpreter_id = v_candidate, language = v_language, status = NEW.status, during = NEW.during
         WHERE booking_id = NEW.id;
      ELSE
        INSERT INTO booking_interpreters (booking_id, interpreter_id, language)
        VALUES (NEW.id, v_candidate, v_language);
      END IF;
      RETURN NULL;
    EXCEPTION WHEN exclusion_violation THEN
      -- Taken in the same instant by a booking that committed first: the next one.
      NULL;
    END;
  END LOOP;
  -- No detail: the code's own message (protocol/errors.ts) is what a family reads.
  RAISE EXCEPTION 'interpreter_unavailable';
END $$;

CREATE OR REPLACE TRIGGER bookings_reserve_interpreter AFTER INSERT OR UPDATE OF slot_id, status ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_reserve_interpreter();
