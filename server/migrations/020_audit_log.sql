-- The record of every transaction (issue 14). booking_log holds booking and slot
-- changes, written in the change's own transaction by the booking door. Everything
-- else a person or a worker changes — event settings, availability, staff accounts,
-- access codes, imports, erasures, notes, running late, absences, waiting lists,
-- fair-start draws and modes, sign-ins — is recorded here, once, by the HTTP edge
-- after the change succeeded (docs/records.md says why there and not in each
-- handler's transaction).
--
-- Like booking_log it names people by id only: a name is looked up when the record is
-- read, so an erased family reads as erased, and the values a caller typed that could
-- be personal (names, e-mail addresses, messages, notes) are stored as "(given)".
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  -- Null for what belongs to no school yet (an operator creating one is recorded
  -- under the school it created).
  school_id   uuid REFERENCES schools(id) ON DELETE CASCADE,
  at          timestamptz NOT NULL DEFAULT now(),
  actor_kind  text NOT NULL CHECK (actor_kind IN ('family', 'staff', 'operator', 'public', 'worker')),
  actor_id    uuid,
  -- The OpenAPI operationId for a request; the worker's job name for a worker.
  action      text NOT NULL CHECK (action ~ '^[a-zA-Z][a-zA-Z0-9_.-]{0,79}$'),
  -- The ids the change was about (path parameters, the id it created).
  target      jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- What was asked (secrets dropped, personal values masked) and, where it matters,
  -- the state before and after.
  detail      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_school_at_idx ON audit_log (school_id, at);

-- Append-only, as booking_log is. Rows leave only with their school, or by the
-- retention purge after the school's period; each says so in its own transaction.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND (current_setting('confer.allow_school_removal', true) = 'on'
                           OR current_setting('confer.retention_purge', true) = 'on') THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
