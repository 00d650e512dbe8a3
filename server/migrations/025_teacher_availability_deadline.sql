-- Teachers set their own availability for an event (issue 16) until this instant; after
-- it only admins change it. Null: the admin has not opened it to teachers, so only
-- admins set it (an evening nobody chose to open stays the admin's alone).
ALTER TABLE events ADD COLUMN availability_deadline_at timestamptz;
