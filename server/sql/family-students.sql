-- Separated parents (family_students: migrations 001 and 004).
--
-- Separated parents: a child belongs to at most two families. Checked in the
-- database so that neither an import nor any later screen can add a third.
CREATE OR REPLACE FUNCTION family_students_at_most_two() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Serialise inserts for the same student so two concurrent transactions cannot
  -- each see one existing family and both add theirs.
  PERFORM 1 FROM students WHERE id = NEW.student_id FOR UPDATE;
  IF (SELECT count(*) FROM family_students WHERE student_id = NEW.student_id) > 2 THEN
    RAISE EXCEPTION 'a student belongs to at most two families' USING ERRCODE = 'check_violation',
      CONSTRAINT = 'family_students_at_most_two';
  END IF;
  RETURN NEW;
END $$;
-- A constraint trigger cannot be replaced in place (no OR REPLACE), so it is made
-- again; this file runs in one transaction with the others, so it is never missing.
DROP TRIGGER IF EXISTS family_students_at_most_two ON family_students;
CREATE CONSTRAINT TRIGGER family_students_at_most_two AFTER INSERT OR UPDATE ON family_students
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION family_students_at_most_two();
