-- The record of every other transaction (table: migration 020; docs/records.md).
--
-- Append-only, as booking_log is. Rows leave only with their school, or by the
-- retention purge after the school's period; each says so in its own transaction.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND (current_setting('confer.allow_school_removal', true) = 'on'
                           OR current_setting('confer.retention_purge', true) = 'on') THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
