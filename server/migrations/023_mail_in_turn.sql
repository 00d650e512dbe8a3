-- A family's booking mails about one event go out one at a time, each describing the
-- appointments as they stand when it is sent (issue 14: a confirmation held back by an
-- SMTP outage arrived after the "changed" mail). The sent-log names the family, so a
-- second mail waits while one is being sent, and records what the calendar file of a
-- sent mail carried (a digest of its appointments and their versions), so a
-- confirmation or change mail that would repeat what the family already has is not
-- sent again.
ALTER TABLE email_log
  ADD COLUMN family_id uuid REFERENCES families(id) ON DELETE SET NULL,
  -- Not personal data: sha256 over booking ids and versions.
  ADD COLUMN shows text;
CREATE INDEX email_log_family_idx ON email_log (family_id, event_id) WHERE family_id IS NOT NULL;
