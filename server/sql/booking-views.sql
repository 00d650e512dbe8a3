-- What a slot shows (server/src/features/booking/booking-views.ts and slot-views.ts
-- read these too, and so do confer_hold and confer_confirm, so the server and the
-- functions cannot drift apart). A hold past its expires_at
-- counts as free even before the expiry job has run: the clock, not the worker,
-- decides when a hold lapses.
CREATE OR REPLACE VIEW slot_rows AS
  SELECT s.id, s.event_id, s.staff_id, s.starts_at, s.ends_at, s.room, s.blocked, s.version,
         b.id AS booking_id, b.status, b.expires_at, b.family_id, f.surname AS family_surname,
         b.student_id, st.first_name || ' ' || st.surname AS student_name
    FROM slots s
    LEFT JOIN bookings b ON b.slot_id = s.id
         AND (b.status = 'confirmed' OR (b.status = 'held' AND b.expires_at > now()))
    LEFT JOIN families f ON f.id = b.family_id
    LEFT JOIN students st ON st.id = b.student_id;

-- The interpreter a live booking holds (booking-interpreters.sql makes the reservation and
-- copies the booking's status onto it): the one statement of "live" for every reader — the
-- booking views below, mail, the teacher's schedule, the printed schedules. A reader joins
-- on the booking and its own school (school_id): a schedule names only the school's own.
CREATE OR REPLACE VIEW meeting_interpreters AS
  SELECT bi.booking_id, bi.language, i.name, i.school_id
    FROM booking_interpreters bi
    JOIN interpreters i ON i.id = bi.interpreter_id
   WHERE bi.status IN ('held', 'confirmed');

-- A booking as its family and staff see it. interpreter_language: the language of the
-- interpreter the booking holds (booking-interpreters.sql), null when it holds none or its
-- reservation has ended; never who, since the family is shown it. Here, and not joined by
-- each reader, so the hold's and the confirmation's answers (confer_hold, confer_confirm)
-- carry it: one primary-key probe per booking returned. New columns go last (CREATE OR
-- REPLACE VIEW only appends).
CREATE OR REPLACE VIEW booking_rows AS
  SELECT b.id, b.event_id, b.slot_id, b.staff_id, b.student_id, b.family_id, b.status,
         b.starts_at, b.ends_at, s.room, b.expires_at, t.title, t.first_name, t.surname,
         stu.first_name || ' ' || stu.surname AS student_name,
         mi.language AS interpreter_language
    FROM bookings b
    JOIN slots s ON s.id = b.slot_id
    JOIN staff t ON t.id = b.staff_id
    JOIN students stu ON stu.id = b.student_id
    LEFT JOIN meeting_interpreters mi ON mi.booking_id = b.id;
