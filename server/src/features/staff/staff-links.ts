import type { Queryable } from '../../infra/db.ts';
import { seal, unseal } from '../../infra/sealed-secret.ts';
import { digest, newToken } from '../auth/tokens.ts';

export type LinkPurpose = 'invite' | 'reset';

/** Where a link's token is used: the password page. */
export function passwordLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}/account/password?token=${encodeURIComponent(token)}`;
}

/**
 * Single-use, expiring secrets behind "set your password" links. Issuing a new link
 * retires the earlier unused ones of the same purpose, so only the newest mail works.
 * The token is kept sealed (key from SERVER_SECRET) until its mail is sent, so the
 * e-mail job in Redis names the link by id only (tokenForMail).
 */
export async function issueStaffLink(
  db: Queryable,
  staffId: string,
  purpose: LinkPurpose,
  ttlMs: number,
  sealKey: Buffer,
): Promise<{ token: string; linkId: string; expiresAt: Date }> {
  const token = newToken();
  await db.query(
    `UPDATE staff_links SET used_at = now(), token_sealed = NULL
      WHERE staff_id = $1 AND purpose = $2 AND used_at IS NULL`,
    [staffId, purpose],
  );
  const { rows } = await db.query<{ id: string; expires_at: Date }>(
    `INSERT INTO staff_links (staff_id, purpose, token_hash, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000))
     RETURNING id, expires_at`,
    [staffId, purpose, digest(`staff-link:${token}`), ttlMs],
  );
  const linkId = rows[0]!.id;
  // The row's id is sealed in with the token, so the token opens only for this link.
  await db.query('UPDATE staff_links SET token_sealed = $2 WHERE id = $1', [
    linkId,
    seal(sealKey, token, linkId),
  ]);
  return { token, linkId, expiresAt: rows[0]!.expires_at };
}

/**
 * The token of a link whose mail is being sent: only while the link is unused and
 * unexpired (a retired link is not mailed), and `forget` drops the sealed copy once
 * the mail is out.
 */
export async function tokenForMail(
  db: Queryable,
  linkId: string,
  staffId: string,
  sealKey: Buffer,
): Promise<{ token: string; forget: () => Promise<void> } | null> {
  const { rows } = await db.query<{ token_sealed: string }>(
    `SELECT token_sealed FROM staff_links
      WHERE id = $1 AND staff_id = $2 AND used_at IS NULL AND expires_at > now() AND token_sealed IS NOT NULL`,
    [linkId, staffId],
  );
  const token = rows[0] ? unseal(sealKey, rows[0].token_sealed, linkId) : null;
  if (!token) return null;
  return {
    token,
    forget: async () => {
      await db.query('UPDATE staff_links SET token_sealed = NULL WHERE id = $1', [linkId]);
    },
  };
}

/**
 * Uses a link: one UPDATE that only succeeds for an unused, unexpired link of an
 * active account, so a second click (or a race of two) finds nothing.
 */
export async function consumeStaffLink(db: Queryable, token: string): Promise<string | null> {
  const { rows } = await db.query<{ staff_id: string }>(
    `UPDATE staff_links l SET used_at = now(), token_sealed = NULL
       FROM staff s
      WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now()
        AND s.id = l.staff_id AND s.active
      RETURNING l.staff_id`,
    [digest(`staff-link:${token}`)],
  );
  return rows[0]?.staff_id ?? null;
}
