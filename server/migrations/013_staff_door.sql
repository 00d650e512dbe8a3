-- Staff through the one door (issue 11, follow-up; docs/booking-door.md). Staff act
-- outside the family rules (the window, the fair start, the teacher, a waiting-list
-- offer) by the named override 'staff', and every change they make is logged with
-- it. Migration 011 recorded it only where the writer set confer.override itself
-- (confer_hold): a staff confirmation (confer_confirm), cancellation, extension, move,
-- resize or block was logged as the staff member's but with no override, so the log
-- could not tell "passed every rule" from "let through by staff".
--
-- Here PostgreSQL fills it in for every row a staff member writes, so no writer, in
-- SQL or TypeScript, can forget it. A writer that set another named override keeps it
-- (the override says which rules were set aside; 'staff' is the default for staff).
-- The WHEN clause is evaluated without calling the function, so the family's hold
-- path, which writes with actor_kind 'family', pays nothing for it.
CREATE FUNCTION booking_log_staff_override() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.override := 'staff';
  RETURN NEW;
END $$;

CREATE TRIGGER booking_log_staff_override BEFORE INSERT ON booking_log
  FOR EACH ROW WHEN (NEW.actor_kind = 'staff' AND NEW.override IS NULL)
  EXECUTE FUNCTION booking_log_staff_override();
