-- Issue 16: a teacher sees which families of their classes have not booked them yet and
-- may send those families a polite invitation to book.
--
-- Each invitation sent is a row: it is both the log of who invited whom when (the audit
-- log records the request) and what the rate limits count: one invitation per family per
-- event in 24 hours, whichever teacher sends it, and a cap per teacher per hour
-- (server/src/features/teacher/invitation-limits.ts). Ids only, no names.
CREATE TABLE booking_invitations (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id   uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  staff_id   uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  family_id  uuid NOT NULL REFERENCES families(id) ON DELETE CASCADE,
  sent_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX booking_invitations_family_idx ON booking_invitations (event_id, family_id, sent_at);
CREATE INDEX booking_invitations_staff_idx ON booking_invitations (staff_id, sent_at);

-- A family may stop invitations (optional mail) with the link in each one; mail about
-- its own appointments is not affected. The token only ever opts out, as staff's does
-- (migration 002), and is random per family.
ALTER TABLE families
  ADD COLUMN invitation_opt_out_at timestamptz,
  ADD COLUMN mail_opt_out_token text NOT NULL DEFAULT encode(gen_random_bytes(24), 'hex');
CREATE UNIQUE INDEX families_mail_opt_out_token_idx ON families (mail_opt_out_token);

-- The invitation's mail goes through the outbox, written in the invitation's own
-- transaction, so a committed invitation is mailed even if Redis was away at the time.
-- Its row names the invitation in booking_ids (the ids the mail is about).
SELECT confer_allow_values('outbox', 'outbox_mail_kind_check', ARRAY['invitation']);
