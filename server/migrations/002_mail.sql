-- E-mail, retention and idle time-outs (the workers' schema).

-- The sent-log. Its row is inserted in a transaction that stays open while the
-- message goes over SMTP and commits right after the server accepted it: a retry
-- after a crash between sending and acknowledging the job finds the row and does
-- not send again, and a second worker racing for the same key waits on the
-- uncommitted row instead of sending in parallel.
CREATE TABLE email_log (
  key         text PRIMARY KEY,
  kind        text NOT NULL,
  school_id   uuid REFERENCES schools(id) ON DELETE CASCADE,
  event_id    uuid REFERENCES events(id) ON DELETE CASCADE,
  -- Personal data: cleared when the event's data is purged.
  recipient   text,
  message_id  text,
  sent_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_log_event_idx ON email_log (event_id) WHERE event_id IS NOT NULL;

-- System-update mail (from the operator to school admins) can be switched off by
-- each admin with a one-click link. The token only ever opts out, so it is kept
-- as is (the link in every message must carry the same value); it is random per
-- staff member, so one admin's link never touches another's setting.
ALTER TABLE staff
  ADD COLUMN system_mail_opt_out_at timestamptz,
  ADD COLUMN mail_opt_out_token text NOT NULL DEFAULT encode(gen_random_bytes(24), 'hex');
CREATE UNIQUE INDEX staff_mail_opt_out_token_idx ON staff (mail_opt_out_token);

-- When the retention job replaced this (archived) event's personal data by placeholders.
ALTER TABLE events ADD COLUMN purged_at timestamptz;
CREATE INDEX events_unpurged_archive_idx ON events (archived_at) WHERE purged_at IS NULL;
