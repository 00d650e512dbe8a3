-- Idempotency keys (table: migration 001): a retried write returns its first answer.
-- The answer is stored in the write's own transaction, so it exists iff the write does.
--
-- The idempotent answer already given under a key, as {"replay": …, "hash": …}, or null.
CREATE OR REPLACE FUNCTION confer_stored_answer(p_principal text, p_key text) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('replay', k.response, 'hash', k.request_hash)
    FROM idempotency_keys k WHERE k.principal = p_principal AND k.key = p_key
$$;

-- Stores a write's answer under its key in the write's own transaction; when a
-- concurrent twin stored one first, raises 'already_answered' (the caller replays it).
CREATE OR REPLACE FUNCTION confer_store_answer(p_principal text, p_key text, p_hash text, p_response jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_stored int;
BEGIN
  INSERT INTO idempotency_keys (principal, key, request_hash, status_code, response)
  VALUES (p_principal, p_key, p_hash, 200, p_response)
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS v_stored = ROW_COUNT;
  IF v_stored = 0 THEN RAISE EXCEPTION 'already_answered'; END IF;
END
$$;
