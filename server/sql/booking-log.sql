-- The booking log (table: migration 001; the override column: 011): append-only, and
-- every row a staff member writes says it was let through by staff.
--
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
CREATE OR REPLACE TRIGGER booking_log_no_update BEFORE UPDATE OR DELETE ON booking_log
  FOR EACH ROW EXECUTE FUNCTION booking_log_append_only();

-- Staff through the one door (docs/booking-door.md). Staff act outside the family
-- rules (the window, the fair start, the teacher, a waiting-list offer) by the named
-- override 'staff', and every change they make is logged with it. Setting
-- confer.override in each writer was not enough: a staff confirmation, cancellation,
-- extension, move, resize or block was once logged as the staff member's but with no
-- override, so the log could not tell "passed every rule" from "let through by staff".
--
-- So PostgreSQL fills it in for every row a staff member writes, so no writer, in
-- SQL or TypeScript, can forget it. A writer that set another named override keeps it
-- (the override says which rules were set aside; 'staff' is the default for staff).
-- The WHEN clause is evaluated without calling the function, so the family's hold
-- path, which writes with actor_kind 'family', pays nothing for it.
CREATE OR REPLACE FUNCTION booking_log_staff_override() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.override := 'staff';
  RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER booking_log_staff_override BEFORE INSERT ON booking_log
  FOR EACH ROW WHEN (NEW.actor_kind = 'staff' AND NEW.override IS NULL)
  EXECUTE FUNCTION booking_log_staff_override();
