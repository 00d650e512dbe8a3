-- Issue 16: slot length per teacher. A head of year may need 10 minutes where a subject
-- teacher needs 5; a teacher without a row here has the event's slot_minutes. Set by the
-- school's admins with the teacher's availability (PUT /admin/events/:eventId/teachers/
-- :teacherId/availability, `slotMinutes`); the teacher's slots are regenerated with it, and
-- a change that would move held or booked appointments is refused, listing them, until
-- staff confirm it (`confirmMoves`): each moves, through the booking policy, to the new
-- slot that holds its old start or the next free one (server/src/features/admin/
-- event-admin.service.ts).
CREATE TABLE teacher_slot_lengths (
  event_id      uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  staff_id      uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  slot_minutes  integer NOT NULL CHECK (slot_minutes BETWEEN 1 AND 120),
  PRIMARY KEY (event_id, staff_id)
);
