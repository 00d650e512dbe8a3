-- The waiting list's ear (tables: migration 005).
--
-- A slot becoming free, however it happens (a family cancelling, a hold lapsing
-- in a worker, an admin adding or unblocking a slot), is announced on a channel
-- the servers LISTEN on, so the waiting list hears of every path without each
-- path having to remember to tell it.
CREATE OR REPLACE FUNCTION confer_slot_freed_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'bookings' THEN
    PERFORM pg_notify('confer_slot_freed', NEW.slot_id::text);
  ELSE
    PERFORM pg_notify('confer_slot_freed', NEW.id::text);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER bookings_slot_freed AFTER UPDATE OF status ON bookings
  FOR EACH ROW WHEN (OLD.status IN ('held', 'confirmed') AND NEW.status IN ('cancelled', 'expired'))
  EXECUTE FUNCTION confer_slot_freed_notify();
CREATE OR REPLACE TRIGGER slots_added AFTER INSERT ON slots
  FOR EACH ROW EXECUTE FUNCTION confer_slot_freed_notify();
CREATE OR REPLACE TRIGGER slots_unblocked AFTER UPDATE OF blocked ON slots
  FOR EACH ROW WHEN (OLD.blocked AND NOT NEW.blocked)
  EXECUTE FUNCTION confer_slot_freed_notify();
