import type { Queryable } from '../../infra/db.ts';
import { seal, unseal } from '../../infra/sealed-secret.ts';
import { digest, newToken } from '../auth/tokens.ts';

/**
 * How long an interpreter's sign-in link works: long enough for a schedule mailed a
 * week or two before the evening, and it works once.
 */
const INTERPRETER_LINK_DAYS = 14;

/** Where the link signs in: the interpreter's page in the app. */
export function interpreterSignInLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}/interpreter?token=${encodeURIComponent(token)}`;
}

// Prefixed, so a token of another kind of link can never be the digest of this one.
const linkDigest = (token: string) => digest(`interpreter-link:${token}`);

/**
 * A new one-time sign-in link for an interpreter at an event. Earlier unused links of the
 * same interpreter and event stop working: only the newest mail signs in. The token is
 * kept sealed until its mail is sent (tokenForInterpreterMail), so the e-mail job in
 * Redis names the link by id only.
 */
export async function issueInterpreterLink(
  db: Queryable,
  interpreterId: string,
  eventId: string,
  sealKey: Buffer,
): Promise<{ linkId: string; expiresAt: Date }> {
  const token = newToken();
  await db.query(
    `UPDATE interpreter_links SET used_at = now(), token_sealed = NULL
      WHERE interpreter_id = $1 AND event_id = $2 AND used_at IS NULL`,
    [interpreterId, eventId],
  );
  const { rows } = await db.query<{ id: string; expires_at: Date }>(
    `INSERT INTO interpreter_links (interpreter_id, event_id, token_hash, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(days => $4)) RETURNING id, expires_at`,
    [interpreterId, eventId, linkDigest(token), INTERPRETER_LINK_DAYS],
  );
  const linkId = rows[0]!.id;
  // The row's id is sealed in with the token, so the token opens only for this link.
  await db.query('UPDATE interpreter_links SET token_sealed = $2 WHERE id = $1', [
    linkId,
    seal(sealKey, token, linkId),
  ]);
  return { linkId, expiresAt: rows[0]!.expires_at };
}

/**
 * The token of a link whose mail is being sent, while the link is unused and unexpired
 * (a retired link is not mailed); `forget` drops the sealed copy once the mail is out.
 */
export async function tokenForInterpreterMail(
  db: Queryable,
  linkId: string,
  interpreterId: string,
  sealKey: Buffer,
): Promise<{ token: string; expiresAt: Date; forget: () => Promise<void> } | null> {
  const { rows } = await db.query<{ token_sealed: string; expires_at: Date }>(
    `SELECT token_sealed, expires_at FROM interpreter_links
      WHERE id = $1 AND interpreter_id = $2 AND used_at IS NULL AND expires_at > now()
        AND token_sealed IS NOT NULL`,
    [linkId, interpreterId],
  );
  const token = rows[0] ? unseal(sealKey, rows[0].token_sealed, linkId) : null;
  if (!token) return null;
  return {
    token,
    expiresAt: rows[0]!.expires_at,
    forget: async () => {
      await db.query('UPDATE interpreter_links SET token_sealed = NULL WHERE id = $1', [linkId]);
    },
  };
}

/**
 * Uses a link: one UPDATE that succeeds only for an unused, unexpired link whose event
 * is not archived, so a second click (or two at once) finds nothing.
 */
export async function consumeInterpreterLink(
  db: Queryable,
  token: string,
): Promise<{ interpreterId: string; eventId: string; schoolId: string } | null> {
  const { rows } = await db.query<{ interpreter_id: string; event_id: string; school_id: string }>(
    `UPDATE interpreter_links l SET used_at = now(), token_sealed = NULL
       FROM interpreters i, events e
      WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now()
        AND i.id = l.interpreter_id AND e.id = l.event_id AND e.school_id = i.school_id
        AND e.archived_at IS NULL
      RETURNING l.interpreter_id, l.event_id, e.school_id`,
    [linkDigest(token)],
  );
  const r = rows[0];
  return r ? { interpreterId: r.interpreter_id, eventId: r.event_id, schoolId: r.school_id } : null;
}
