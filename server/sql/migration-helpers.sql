-- Helpers for migrations. Unlike the other files here, this one is applied BEFORE
-- pending migrations (server/src/infra/migrate.ts), so a migration may call what it
-- defines; it may therefore use only the catalog, never the application's tables.

-- Allows more values in a CHECK that lists the allowed values of a text column, e.g.
--   SELECT confer_allow_values('booking_log', 'booking_log_action_check', ARRAY['resized']);
-- The values are added to whatever the constraint says now, rather than restated from a
-- fixed list: another migration may have widened it too, and restating would silently
-- drop its additions. Values already allowed are left alone, so calling it twice changes
-- nothing. Refuses a constraint that is not one list of values (it would not know which
-- list to widen). Migrations 003 and 007 did this with a copied DO block; use this instead.
CREATE OR REPLACE FUNCTION confer_allow_values(p_table regclass, p_constraint name, p_values text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_def text;
  v_value text;
  v_added text := '';
BEGIN
  SELECT pg_get_constraintdef(oid) INTO v_def FROM pg_constraint
   WHERE conrelid = p_table AND conname = p_constraint AND contype = 'c';
  IF v_def IS NULL THEN
    RAISE EXCEPTION 'CHECK constraint % on % not found', p_constraint, p_table;
  END IF;
  IF v_def !~ 'ARRAY\[' OR v_def ~ 'ARRAY\[.*ARRAY\[' THEN
    RAISE EXCEPTION 'CHECK constraint % on % is not one list of allowed values: %', p_constraint, p_table, v_def;
  END IF;
  FOREACH v_value IN ARRAY p_values LOOP
    IF position(quote_literal(v_value) || '::' IN v_def) = 0
       AND position(quote_literal(v_value) || '::text' IN v_added) = 0 THEN
      v_added := v_added || quote_literal(v_value) || '::text, ';
    END IF;
  END LOOP;
  IF v_added = '' THEN
    RETURN;
  END IF;
  EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', p_table, p_constraint);
  EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', p_table, p_constraint,
                 replace(v_def, 'ARRAY[', 'ARRAY[' || v_added));
END
$$;
