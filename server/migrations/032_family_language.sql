-- The language a family reads Confer in (issue 18): one of protocol/locales.ts. NULL: not
-- known — the family sees English until it or the school says otherwise. Set by the family
-- (PUT /api/me/language), by an admin, or by the MIS import's home-language column; it is
-- the family's personal data and is erased with the family.
ALTER TABLE families ADD COLUMN language text
  CONSTRAINT families_language_check
  CHECK (language IS NULL OR language IN ('en', 'cy', 'pl', 'ur', 'ar', 'ro', 'pt', 'bn', 'pa'));

-- A school's own words for its families: one message's text in one language, in place of
-- the translation (and of English under it). The text uses only the English message's
-- placeholders; the admin API checks that against the catalogue before writing.
CREATE TABLE school_message_overrides (
  school_id    uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
  locale       text NOT NULL
               CHECK (locale IN ('en', 'cy', 'pl', 'ur', 'ar', 'ro', 'pt', 'bn', 'pa')),
  message_key  text NOT NULL CHECK (message_key ~ '^[a-z][a-z0-9_]{0,119}$'),
  text         text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (school_id, locale, message_key)
);
