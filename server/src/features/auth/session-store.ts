import type { Redis } from 'ioredis';
import type { Db } from '../../infra/db.ts';
import type { NewPrincipal, Principal, SessionPrincipal } from './principal.ts';
import { digest, newToken } from './tokens.ts';

interface CachedSession {
  principal: SessionPrincipal;
  /** When the cache entry's idle TTL was last pushed back (ms since epoch). */
  touchedAt: number;
}

// Activity pushes the idle time-out back, but at most once per this interval, so a
// busy socket does not turn into a Redis write (and a PostgreSQL update) per message.
const TOUCH_EVERY_MS = 30_000;
const SEEN_BATCH_MS = 1000;

/**
 * Sessions live in PostgreSQL (the record) with a Redis copy whose TTL is the idle
 * time-out (the fast path). A session that has been idle longer than the time-out
 * is refused even where Redis is down or no worker has revoked it yet.
 */
export class SessionStore {
  constructor(
    private readonly db: Db,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly idleMs: number,
    private readonly onTouched: (sessionId: string, at: Date) => void = () => {},
  ) {}

  private key(tokenHash: string): string {
    return `${this.prefix}sess:${tokenHash}`;
  }

  get idleTimeoutMs(): number {
    return this.idleMs;
  }

  async create<N extends NewPrincipal>(
    principal: N,
  ): Promise<{ token: string; principal: N & { sessionId: string } }> {
    const token = newToken();
    const tokenHash = digest(token);
    const { rows } = await this.db.query<{ id: string }>(
      `INSERT INTO sessions (token_hash, kind, school_id, staff_id, family_id, interpreter_id, event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        tokenHash,
        principal.kind,
        principal.schoolId,
        principal.kind === 'staff' ? principal.staffId : null,
        principal.kind === 'family' ? principal.familyId : null,
        principal.kind === 'interpreter' ? principal.interpreterId : null,
        principal.kind === 'interpreter' ? principal.eventId : null,
      ],
    );
    const full = { ...principal, sessionId: rows[0]!.id };
    await this.cache(tokenHash, full);
    this.onTouched(full.sessionId, new Date());
    return { token, principal: full };
  }

  private async cache(tokenHash: string, principal: SessionPrincipal, onlyIfCached = false): Promise<void> {
    const value: CachedSession = { principal, touchedAt: Date.now() };
    const key = this.key(tokenHash);
    const text = JSON.stringify(value);
    await (onlyIfCached
      ? this.redis.set(key, text, 'PX', this.idleMs, 'XX')
      : this.redis.set(key, text, 'PX', this.idleMs)
    ).catch(() => {});
  }

  /**
   * The family or staff member behind a token, or null when it is unknown, revoked, idle
   * too long — or an interpreter's (authenticateSession), which no route or command
   * written for families and staff may be handed.
   */
  async authenticate(token: string | undefined | null): Promise<Principal | null> {
    const p = await this.authenticateSession(token);
    return p && p.kind !== 'interpreter' ? p : null;
  }

  /** Whoever is behind a token, interpreters included; null when unknown, revoked or idle too long. */
  async authenticateSession(token: string | undefined | null): Promise<SessionPrincipal | null> {
    if (!token || token.length > 200) return null;
    const tokenHash = digest(token);
    let cached: CachedSession | null = null;
    try {
      const raw = await this.redis.get(this.key(tokenHash));
      cached = raw ? (JSON.parse(raw) as CachedSession) : null;
    } catch {
      cached = null; // Redis down: fall back to the record.
    }
    if (cached) {
      // A short time-out (tests, kiosks) needs touches more often than it lasts.
      const touchEvery = Math.min(TOUCH_EVERY_MS, this.idleMs / 4);
      if (Date.now() - cached.touchedAt > touchEvery) void this.touch(tokenHash, cached.principal);
      return cached.principal;
    }
    const principal = await this.loadFromDb(tokenHash);
    // Read from the record: the copy is written whole, not only pushed back.
    if (principal) void this.touch(tokenHash, principal, false);
    return principal;
  }

  private async touch(tokenHash: string, principal: SessionPrincipal, onlyIfCached = true): Promise<void> {
    const now = new Date();
    this.seen.add(principal.sessionId);
    this.seenTimer ??= setTimeout(() => void this.recordSeen(), SEEN_BATCH_MS).unref();
    // Only pushes back an entry that is still there: a touch racing a revocation (role
    // or password change, deactivation) must not write the old principal back.
    await this.cache(tokenHash, principal, onlyIfCached);
    this.onTouched(principal.sessionId, now);
  }

  // Sessions seen since the last write of last_seen_at. On opening night two thousand
  // sessions each touched every 30 s were seventy UPDATEs a second queueing for the
  // pool with the bookings; one UPDATE a second for all of them does the same.
  private readonly seen = new Set<string>();
  private seenTimer: NodeJS.Timeout | null = null;

  private async recordSeen(): Promise<void> {
    this.seenTimer = null;
    const ids = [...this.seen];
    this.seen.clear();
    if (ids.length === 0) return;
    await this.db
      .query(
        `UPDATE sessions SET last_seen_at = greatest(last_seen_at, now())
          WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL`,
        [ids],
      )
      .catch(() => {});
  }

  private async loadFromDb(tokenHash: string): Promise<SessionPrincipal | null> {
    const { rows } = await this.db.query<{
      id: string;
      kind: 'staff' | 'family' | 'interpreter';
      school_id: string;
      staff_id: string | null;
      family_id: string | null;
      interpreter_id: string | null;
      event_id: string | null;
      is_admin: boolean | null;
      is_teacher: boolean | null;
    }>(
      `SELECT s.id, s.kind, s.school_id, s.staff_id, s.family_id, s.interpreter_id, s.event_id,
              st.is_admin, st.is_teacher
         FROM sessions s LEFT JOIN staff st ON st.id = s.staff_id
        WHERE s.token_hash = $1 AND s.revoked_at IS NULL
          AND s.last_seen_at > now() - make_interval(secs => $2::double precision / 1000)
          AND (s.kind <> 'staff' OR st.active)`,
      [tokenHash, this.idleMs],
    );
    const r = rows[0];
    if (!r) return null;
    if (r.kind === 'interpreter')
      return {
        kind: 'interpreter',
        sessionId: r.id,
        schoolId: r.school_id,
        interpreterId: r.interpreter_id!,
        eventId: r.event_id!,
      };
    return r.kind === 'family'
      ? { kind: 'family', sessionId: r.id, schoolId: r.school_id, familyId: r.family_id! }
      : {
          kind: 'staff',
          sessionId: r.id,
          schoolId: r.school_id,
          staffId: r.staff_id!,
          isAdmin: !!r.is_admin,
          isTeacher: !!r.is_teacher,
        };
  }

  /**
   * Ends every live session of one staff member or family (deactivation, a change of
   * role or password, erasure, a new access code) or of a whole school (suspension) and returns their ids so their
   * sockets can be disconnected. Rights live in the cached principal, so a session
   * whose rights changed is ended rather than left to serve the old ones.
   */
  async revokeAllOf(
    who: { staffId: string } | { familyId: string } | { interpreterId: string } | { schoolId: string },
    reason: string,
  ): Promise<string[]> {
    const [column, value] =
      'staffId' in who
        ? ['staff_id', who.staffId]
        : 'familyId' in who
          ? ['family_id', who.familyId]
          : 'interpreterId' in who
            ? ['interpreter_id', who.interpreterId]
            : ['school_id', who.schoolId];
    const { rows } = await this.db.query<{ id: string; token_hash: string }>(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
        WHERE ${column} = $1 AND revoked_at IS NULL RETURNING id, token_hash`,
      [value, reason],
    );
    if (rows.length === 0) return [];
    const keys = rows.map((r) => this.key(r.token_hash));
    await this.redis.del(...keys).catch(() => {});
    // A request that read the cache just before the revocation may still be pushing
    // the entry's TTL back (touch); deleting once more after it has finished makes
    // sure no stale copy outlives the revocation.
    setTimeout(() => void this.redis.del(...keys).catch(() => {}), 1000).unref();
    return rows.map((r) => r.id);
  }

  /** Revokes by token (logout) — the Redis copy goes first so no instance keeps accepting it. */
  async revokeToken(token: string, reason: string): Promise<string | null> {
    const tokenHash = digest(token);
    await this.redis.del(this.key(tokenHash)).catch(() => {});
    const { rows } = await this.db.query<{ id: string }>(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
        WHERE token_hash = $1 AND revoked_at IS NULL RETURNING id`,
      [tokenHash, reason],
    );
    return rows[0]?.id ?? null;
  }
}
