-- The language the feedback form was shown in, so the acknowledgement and every reply reach
-- the sender in it (the sender need not be a family, so families.language cannot tell).
-- One of protocol/locales.ts; NULL: not known (sent before this column, or from the en-XA
-- pseudo-locale), and the mail is English. Cleared with the sender's address, on erasure and
-- after the retention period: a home language says something about the person.
ALTER TABLE feedback ADD COLUMN language text
  CONSTRAINT feedback_language_check
  CHECK (language IS NULL OR language IN ('en', 'cy', 'pl', 'ur', 'ar', 'ro', 'pt', 'bn', 'pa'));
