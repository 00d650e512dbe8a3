-- A school sees and changes its own retention period, and names where families write
-- about their data (issue 14). The privacy page shows both, from these columns, and the
-- retention sweep purges by the same period.

-- Shown on the privacy page as the school's contact for data matters; null until set.
ALTER TABLE schools ADD COLUMN contact_email text
  CHECK (contact_email IS NULL OR (contact_email = lower(contact_email) AND length(contact_email) <= 254));

-- The bounds the API enforces (protocol/school-settings.ts): at least 30 days, because
-- finished e-mail jobs are dropped from Redis after 30 days whatever a school chose and
-- the page must not promise less; at most ten years. A school set below 30 days before
-- this migration gets 30 (no school is known to have one; the operator's form allowed 1).
UPDATE schools SET retention_days = 30 WHERE retention_days < 30;
ALTER TABLE schools DROP CONSTRAINT schools_retention_days_check;
ALTER TABLE schools ADD CONSTRAINT schools_retention_days_check CHECK (retention_days BETWEEN 30 AND 3650);

-- The sweep looks for feedback by age and for sessions by last use.
CREATE INDEX feedback_updated_idx ON feedback (updated_at);
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen_at);
