-- An interpreter's own sign-in (issue 18): interpreters have no staff account, so the mail
-- with their schedule carries a one-time link. The link gives a session of the ordinary
-- kind (same store, same idle time-out) whose principal is the interpreter at one event:
-- it may read only that interpreter's schedule there and hear the event's live facts
-- (without names). docs/security.md, "Interpreters".

-- A sign-in link: only its digest is kept to check it; the token itself waits sealed
-- (key from SERVER_SECRET) until its mail is sent, so the e-mail job names the link by
-- id, as staff links do. Used once, then `used_at`; a newer link for the same
-- interpreter and event retires the older unused ones.
CREATE TABLE interpreter_links (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  interpreter_id  uuid NOT NULL REFERENCES interpreters(id) ON DELETE CASCADE,
  event_id        uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  token_hash      text NOT NULL UNIQUE,
  token_sealed    text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  used_at         timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX interpreter_links_interpreter_idx ON interpreter_links (interpreter_id, event_id);

-- The interpreter's session: the interpreter and the one event it is for.
ALTER TABLE sessions
  ADD COLUMN interpreter_id uuid REFERENCES interpreters(id) ON DELETE CASCADE,
  ADD COLUMN event_id uuid REFERENCES events(id) ON DELETE CASCADE;
SELECT confer_allow_values('sessions', 'sessions_kind_check', ARRAY['interpreter']);
ALTER TABLE sessions DROP CONSTRAINT sessions_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_check CHECK (
  (kind = 'staff') = (staff_id IS NOT NULL)
  AND (kind = 'family') = (family_id IS NOT NULL)
  AND (kind = 'interpreter') = (interpreter_id IS NOT NULL)
  AND (kind = 'interpreter') = (event_id IS NOT NULL)
);
CREATE INDEX sessions_interpreter_idx ON sessions (interpreter_id) WHERE interpreter_id IS NOT NULL;

-- Their sign-in and sign-out are in the record like everyone's.
SELECT confer_allow_values('audit_log', 'audit_log_actor_kind_check', ARRAY['interpreter']);
