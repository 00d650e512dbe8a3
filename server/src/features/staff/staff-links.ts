import type { Queryable } from '../../infra/db.ts';
import { digest, newToken } from '../auth/tokens.ts';

export type LinkPurpose = 'invite' | 'reset';

/**
 * Single-use, expiring secrets behind "set your password" links. Issuing a new link
 * retires the earlier unused ones of the same purpose, so only the newest mail works.
 */
export async function issueStaffLink(
  db: Queryable,
  staffId: string,
  purpose: LinkPurpose,
  ttlMs: number,
): Promise<{ token: string; linkId: string; expiresAt: Date }> {
  const token = newToken();
  await db.query(
    `UPDATE staff_links SET used_at = now() WHERE staff_id = $1 AND purpose = $2 AND used_at IS NULL`,
    [staffId, purpose],
  );
  const { rows } = await db.query<{ id: string; expires_at: Date }>(
    `INSERT INTO staff_links (staff_id, purpose, token_hash, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000))
     RETURNING id, expires_at`,
    [staffId, purpose, digest(`staff-link:${token}`), ttlMs],
  );
  return { token, linkId: rows[0]!.id, expiresAt: rows[0]!.expires_at };
}

/**
 * Uses a link: one UPDATE that only succeeds for an unused, unexpired link of an
 * active account, so a second click (or a race of two) finds nothing.
 */
export async function consumeStaffLink(db: Queryable, token: string): Promise<string | null> {
  const { rows } = await db.query<{ staff_id: string }>(
    `UPDATE staff_links l SET used_at = now()
       FROM staff s
      WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now()
        AND s.id = l.staff_id AND s.active
      RETURNING l.staff_id`,
    [digest(`staff-link:${token}`)],
  );
  return rows[0]?.staff_id ?? null;
}
