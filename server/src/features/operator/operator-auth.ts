import type { Db } from '../../infra/db.ts';
import type { RateLimit } from '../../infra/rate-limit.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../auth/passwords.ts';
import { digest, newToken } from '../auth/tokens.ts';
import { passwordProblem } from '../staff/password-policy.ts';

export interface Operator {
  id: string;
  email: string;
  name: string;
}

/**
 * Operators sign in separately from school staff and hold their own sessions, so a
 * school token can never be an operator token and the other way round. There are a
 * handful of operators: their sessions are read from PostgreSQL on every request.
 */
export class OperatorAuth {
  constructor(
    private readonly db: Db,
    private readonly idleMs: number,
    private readonly limit: RateLimit,
  ) {}

  async create(
    input: { email: string; name: string; password: string },
    minLength: number,
  ): Promise<Operator> {
    const email = input.email.trim().toLowerCase();
    const problem = passwordProblem(input.password, minLength, email);
    if (problem) throw new DomainError('invalid_input', problem);
    const { rows } = await this.db.query<Operator>(
      `INSERT INTO operators (email, name, password_hash) VALUES ($1, $2, $3)
       ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, password_hash = EXCLUDED.password_hash, active = true
       RETURNING id, email, name`,
      [email, input.name, await hashPassword(input.password)],
    );
    return rows[0]!;
  }

  async login(
    email: string,
    password: string,
    address: string,
  ): Promise<{ token: string; operator: Operator }> {
    const key = email.toLowerCase();
    for (const k of [`operator:${key}`, `address:${address}`]) {
      const outcome = await this.limit.consume(k);
      if (!outcome.allowed)
        throw new DomainError('rate_limited', undefined, { retryAfter: outcome.retryAfterSeconds });
    }
    const { rows } = await this.db.query<Operator & { password_hash: string }>(
      'SELECT id, email, name, password_hash FROM operators WHERE email = $1 AND active',
      [key],
    );
    const row = rows[0];
    const ok = row ? await verifyPassword(row.password_hash, password) : await verifyAgainstDummy(password);
    if (!row || !ok) throw new DomainError('unauthenticated', 'The email or password is not right.');
    await this.limit.reset(`operator:${key}`);
    const token = newToken();
    await this.db.query('INSERT INTO operator_sessions (token_hash, operator_id) VALUES ($1, $2)', [
      digest(`operator:${token}`),
      row.id,
    ]);
    return { token, operator: { id: row.id, email: row.email, name: row.name } };
  }

  /** The operator behind a token, or null (unknown, revoked, idle too long, deactivated). */
  async authenticate(token: string): Promise<Operator | null> {
    if (!token || token.length > 200) return null;
    const { rows } = await this.db.query<Operator>(
      `UPDATE operator_sessions s SET last_seen_at = now()
         FROM operators o
        WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND o.id = s.operator_id AND o.active
          AND s.last_seen_at > now() - make_interval(secs => $2::double precision / 1000)
        RETURNING o.id, o.email, o.name`,
      [digest(`operator:${token}`), this.idleMs],
    );
    return rows[0] ?? null;
  }

  /**
   * For operator routes: no token is 401; a token that is not an operator's (a
   * school's, say) is 403, like any other role a route does not admit.
   */
  async require(token: string): Promise<Operator> {
    if (!token) throw new DomainError('unauthenticated');
    const op = await this.authenticate(token);
    if (!op) throw new DomainError('forbidden');
    return op;
  }

  async logout(token: string): Promise<void> {
    await this.db.query('UPDATE operator_sessions SET revoked_at = now() WHERE token_hash = $1', [
      digest(`operator:${token}`),
    ]);
  }
}
