-- A mail row stays in the outbox until its e-mail job has run, not only until Redis
-- took the job: a Redis that loses its data (no persistence, a fail-over to an empty
-- replica) lost the jobs of rows already deleted, and the chaos run counted 19
-- confirmations whose mail never came (redis-kill-no-persistence). The relay now marks
-- when it last handed a row on; it looks at the row again after OUTBOX_MAIL_RECHECK_MS,
-- deletes it once BullMQ reports its jobs finished, and adds them again (same job ids)
-- when Redis no longer knows them. The sent-log keeps a mail from going out twice.
ALTER TABLE outbox ADD COLUMN relayed_at timestamptz;
