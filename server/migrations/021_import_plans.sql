-- An import applies exactly what its check showed, and can be undone (issue 14: a
-- check said "0 links removed" just before the import cut a teacher's class list
-- from 94 to 1).
--
-- The check stores its plan: every row the import would add, change (before and
-- after) and remove, computed from the file and the school's state. The import names
-- the plan and re-sends the file; it is applied only if the file's digest and the
-- school's digest (import/school-roster.ts rosterVersion) are those the plan was
-- computed from. A plan holds names, so it lives for an hour at most and goes when
-- it is imported.
CREATE TABLE import_plans (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id       uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
  kind            text NOT NULL,
  -- sha256 of the query's kind and encoding and the file's bytes.
  data_hash       text NOT NULL,
  -- The school's digest when the plan was computed.
  roster_version  text NOT NULL,
  plan            jsonb NOT NULL,
  -- Counts, removals by name and the confirmation's reasons, as the check answered.
  summary         jsonb NOT NULL,
  by_staff_id     uuid REFERENCES staff(id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_plans_school_idx ON import_plans (school_id, created_at);

-- An import's record keeps the plan it applied (with the ids of the rows it added):
-- its inverse restores the state before the import, while the school's digest is
-- still the one the import left (nothing changed since that restoring would lose).
-- Imports before this migration have no plan and cannot be restored.
ALTER TABLE imports
  ADD COLUMN applied         jsonb,
  ADD COLUMN version_before  text,
  ADD COLUMN version_after   text,
  ADD COLUMN confirmed       boolean NOT NULL DEFAULT false,
  ADD COLUMN restored_at     timestamptz,
  ADD COLUMN restored_by     uuid REFERENCES staff(id) ON DELETE SET NULL;
