import type { Queryable } from '../../infra/db.ts';

/**
 * Whose system-update mail: the staff member named by the token in each such mail's
 * link (no login), or a signed-in admin's own account.
 */
export type SystemMailHolder = { token: string } | { staffId: string };

export interface SystemMailState {
  email: string;
  optedOut: boolean;
  /** Whose, for the record of transactions. */
  staffId: string;
  schoolId: string;
}

interface StateRow {
  id: string;
  school_id: string;
  email: string;
  opted_out: boolean;
}

function state(r: StateRow | undefined): SystemMailState | null {
  return r ? { email: r.email, optedOut: r.opted_out, staffId: r.id, schoolId: r.school_id } : null;
}

function where(who: SystemMailHolder): { sql: string; value: string } {
  return 'token' in who
    ? { sql: 'mail_opt_out_token = $1', value: who.token }
    : { sql: 'id = $1', value: who.staffId };
}

/** Reads only: a GET (which mail scanners follow) shows this and changes nothing. */
export async function systemMailState(db: Queryable, who: SystemMailHolder): Promise<SystemMailState | null> {
  const w = where(who);
  const { rows } = await db.query<StateRow>(
    `SELECT id, school_id, email, system_mail_opt_out_at IS NOT NULL AS opted_out FROM staff WHERE ${w.sql}`,
    [w.value],
  );
  return state(rows[0]);
}

/**
 * Stops (or restarts) system-update mail to this one staff member. Opting out twice
 * is the same as once (the first instant is kept); opting back in clears it. A mail
 * already queued is checked again when it is sent (mail.service.ts).
 */
export async function setSystemMailOptOut(
  db: Queryable,
  who: SystemMailHolder,
  optedOut: boolean,
): Promise<SystemMailState | null> {
  const w = where(who);
  const { rows } = await db.query<StateRow>(
    `UPDATE staff SET system_mail_opt_out_at = CASE WHEN $2 THEN coalesce(system_mail_opt_out_at, now()) END
      WHERE ${w.sql} RETURNING id, school_id, email, system_mail_opt_out_at IS NOT NULL AS opted_out`,
    [w.value, optedOut],
  );
  return state(rows[0]);
}
