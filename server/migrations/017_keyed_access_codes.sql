-- Issue 13, finding 5: no secrets at rest in Redis, keyed access-code digests.
--
-- Access codes (about 49 bits) were stored as unsalted SHA-256, which a database dump
-- lets anyone test guesses against. New codes are stored as HMAC-SHA256 under a key
-- derived from SERVER_SECRET (hex, 64 characters). The old digests cannot be rekeyed
-- without the codes, so they are marked 'sha256:' and still accepted until the family
-- next signs in (the code is then known and its digest is replaced by the keyed one)
-- or is given a new code.
UPDATE families SET access_code_hash = 'sha256:' || access_code_hash
 WHERE access_code_hash IS NOT NULL AND access_code_hash NOT LIKE 'sha256:%';

-- A code mailed to a family waits here, sealed (AES-GCM, key from SERVER_SECRET), from
-- the moment it is issued until its mail is sent: the e-mail job in Redis carries only
-- the family id and access_code_mail_id. Cleared once sent and whenever a new code is issued.
ALTER TABLE families
  ADD COLUMN access_code_sealed text,
  ADD COLUMN access_code_mail_id uuid;

-- Likewise the token of an invitation or reset link, until its mail is sent (or the
-- link is used or retired).
ALTER TABLE staff_links ADD COLUMN token_sealed text;
