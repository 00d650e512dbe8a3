import type { Db } from '../../infra/db.ts';

/**
 * Stops system-update mail to the one staff member whose token this is. Opting
 * out twice is the same as once (the first instant is kept).
 */
export async function optOutOfSystemMail(db: Db, token: string): Promise<{ email: string } | null> {
  const { rows } = await db.query<{ email: string }>(
    `UPDATE staff SET system_mail_opt_out_at = coalesce(system_mail_opt_out_at, now())
      WHERE mail_opt_out_token = $1 RETURNING email`,
    [token],
  );
  return rows[0] ?? null;
}
