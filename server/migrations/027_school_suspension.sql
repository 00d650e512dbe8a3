-- An operator can suspend a school (issue 16): while suspended_at is set its staff and
-- families cannot sign in and their live sessions were ended. Nothing of the school is
-- removed; unsuspending clears the column and they sign in again.
ALTER TABLE schools ADD COLUMN suspended_at timestamptz;
