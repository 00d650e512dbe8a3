-- Issue 14, complaints procedure: the person who complained follows the status and
-- reads the replies by reference. A reference alone (FB- and eight characters, printed
-- on letters, quoted in mails) is no key to someone's complaint, so each item also
-- gets a secret, shown once at submission and mailed with the acknowledgement.
--
-- Only a digest is kept (SHA-256: the secret is 80 random bits, so a database dump
-- cannot test guesses against it the way it could against a short code). Items made
-- before this migration have none and cannot be looked up.
ALTER TABLE feedback
  ADD COLUMN secret_digest text CHECK (secret_digest IS NULL OR secret_digest ~ '^[0-9a-f]{64}$'),
  -- The secret, sealed (AES-GCM, key from SERVER_SECRET), only until the acknowledgement
  -- that carries it is sent; the e-mail job in Redis names the item, never the secret.
  ADD COLUMN secret_sealed text;
