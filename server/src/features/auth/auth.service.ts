import type { Locale } from '../../../../protocol/locales.ts';
import type {
  LoginFamilyRequest,
  LoginResponse,
  LoginStaffRequest,
  Me,
} from '../../../../protocol/schemas.ts';
import type { Db } from '../../infra/db.ts';
import type { AttemptBackoff, RateLimit } from '../../infra/rate-limit.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { loadFamilyStudents } from '../families/family-students.ts';
import { verifyAgainstDummy, verifyPassword } from './passwords.ts';
import type { Principal } from './principal.ts';
import type { SessionStore } from './session-store.ts';
import { accessCodeDigest, legacyAccessCodeDigest } from './tokens.ts';

export interface AuthServiceDeps {
  db: Db;
  sessions: SessionStore;
  /** Key of stored access-code digests (infra/server-keys.ts). */
  accessCodeKey: Buffer;
  /** Growing delays per account and address (docs/security.md, "Sign-in limits"). */
  backoff: AttemptBackoff;
  /** Failed sign-ins per address; a success gives its point back. */
  limitPerAddress: RateLimit;
}

export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

  /**
   * Charges an attempt before it is judged (parallel guesses each pay). Only failures
   * stay charged: `succeeded` refunds the address and clears the account's delays, so
   * a hundred parents behind one school or mobile address at 19:00 are not refused,
   * and a stranger at another address cannot lock a family out.
   */
  private async admitAttempt(accountKey: string, address: string): Promise<void> {
    const byAddress = await this.deps.limitPerAddress.consume(address);
    if (!byAddress.allowed) throw tooMany(byAddress.retryAfterSeconds);
    const byAccount = await this.deps.backoff.attempt(`${accountKey}@${address}`);
    if (!byAccount.allowed) {
      // Waiting out a delay is not a failed guess: the address keeps its point.
      await this.deps.limitPerAddress.refund(address);
      throw tooMany(byAccount.retryAfterSeconds);
    }
  }

  private async succeeded(accountKey: string, address: string): Promise<void> {
    await Promise.all([
      this.deps.limitPerAddress.refund(address),
      this.deps.backoff.reset(`${accountKey}@${address}`),
    ]);
  }

  async loginStaff(input: LoginStaffRequest, address: string): Promise<LoginResponse> {
    const email = input.email.toLowerCase();
    await this.admitAttempt(`staff:${email}`, address);
    // One person may be staff at several schools (a trust); the password decides which.
    const { rows } = await this.deps.db.query<{
      id: string;
      school_id: string;
      password_hash: string | null;
      is_admin: boolean;
      is_teacher: boolean;
    }>(
      `SELECT id, school_id, password_hash, is_admin, is_teacher
         FROM staff WHERE email = $1 AND active AND password_hash IS NOT NULL ORDER BY created_at`,
      [email],
    );
    let match: (typeof rows)[number] | undefined;
    for (const r of rows) {
      if (r.password_hash && (await verifyPassword(r.password_hash, input.password))) {
        match = r;
        break;
      }
    }
    if (!match) {
      if (rows.length === 0) await verifyAgainstDummy(input.password);
      throw new DomainError('unauthenticated', 'The email or password is not right.');
    }
    await this.succeeded(`staff:${email}`, address);
    await this.refuseSuspended(match.school_id);
    const { token, principal } = await this.deps.sessions.create({
      kind: 'staff',
      schoolId: match.school_id,
      staffId: match.id,
      isAdmin: match.is_admin,
      isTeacher: match.is_teacher,
    });
    return { token, idleTimeoutSeconds: this.idleSeconds(), me: await this.me(principal) };
  }

  async loginFamily(input: LoginFamilyRequest, address: string): Promise<LoginResponse> {
    const schoolCode = input.schoolCode.trim().toUpperCase();
    const surname = input.surname.trim();
    const accountKey = `family:${schoolCode}:${surname.toLowerCase()}`;
    await this.admitAttempt(accountKey, address);
    const keyed = accessCodeDigest(this.deps.accessCodeKey, input.accessCode);
    const legacy = legacyAccessCodeDigest(input.accessCode);
    const { rows } = await this.deps.db.query<{ id: string; school_id: string; access_code_hash: string }>(
      `SELECT f.id, f.school_id, f.access_code_hash FROM families f JOIN schools s ON s.id = f.school_id
        WHERE s.code = $1 AND f.access_code_hash IN ($2, $4) AND lower(f.surname) = lower($3)`,
      [schoolCode, keyed, surname, legacy],
    );
    const family = rows[0];
    if (!family) {
      throw new DomainError('unauthenticated', 'The school code, surname or access code is not right.');
    }
    // A code issued before digests were keyed (migration 017): now that it is known,
    // its unkeyed digest is replaced, unless a new code was issued meanwhile.
    if (family.access_code_hash === legacy)
      await this.deps.db.query(
        'UPDATE families SET access_code_hash = $2 WHERE id = $1 AND access_code_hash = $3',
        [family.id, keyed, legacy],
      );
    await this.succeeded(accountKey, address);
    await this.refuseSuspended(family.school_id);
    const { token, principal } = await this.deps.sessions.create({
      kind: 'family',
      schoolId: family.school_id,
      familyId: family.id,
    });
    return { token, idleTimeoutSeconds: this.idleSeconds(), me: await this.me(principal) };
  }

  /**
   * A school the operator suspended admits nobody. Asked only once the
   * credentials were right, so a stranger learns nothing about the school's state.
   */
  private async refuseSuspended(schoolId: string): Promise<void> {
    const { rows } = await this.deps.db.query<{ suspended: boolean }>(
      'SELECT suspended_at IS NOT NULL AS suspended FROM schools WHERE id = $1',
      [schoolId],
    );
    if (rows[0]?.suspended)
      throw new DomainError(
        'forbidden',
        'This school’s Confer service is suspended, so nobody can sign in for now. Please contact the school.',
      );
  }

  private idleSeconds(): number {
    return Math.round(this.deps.sessions.idleTimeoutMs / 1000);
  }

  async me(p: Principal): Promise<Me> {
    const { rows: schools } = await this.deps.db.query<{
      id: string;
      code: string;
      name: string;
      time_zone: string;
    }>('SELECT id, code, name, time_zone FROM schools WHERE id = $1', [p.schoolId]);
    const s = schools[0];
    if (!s) throw new DomainError('unauthenticated');
    const school = { id: s.id, code: s.code, name: s.name, timeZone: s.time_zone };
    if (p.kind === 'staff') {
      const { rows } = await this.deps.db.query<{
        title: string;
        first_name: string;
        surname: string;
        email: string;
        is_admin: boolean;
        is_teacher: boolean;
      }>('SELECT title, first_name, surname, email, is_admin, is_teacher FROM staff WHERE id = $1', [
        p.staffId,
      ]);
      const st = rows[0];
      if (!st) throw new DomainError('unauthenticated');
      return {
        kind: 'staff',
        sessionId: p.sessionId,
        school,
        staff: {
          id: p.staffId,
          displayName: staffDisplayName(st),
          email: st.email,
          isAdmin: st.is_admin,
          isTeacher: st.is_teacher,
        },
      };
    }
    const { rows: fam } = await this.deps.db.query<{
      surname: string;
      language: Locale | null;
      interpreter_language: string | null;
    }>('SELECT surname, language, interpreter_language FROM families WHERE id = $1', [p.familyId]);
    const students = (await loadFamilyStudents(this.deps.db, [p.familyId])).get(p.familyId) ?? [];
    return {
      kind: 'family',
      sessionId: p.sessionId,
      school,
      family: {
        id: p.familyId,
        surname: fam[0]?.surname ?? '',
        language: fam[0]?.language ?? null,
        interpreterLanguage: fam[0]?.interpreter_language ?? null,
      },
      students,
    };
  }

  async logout(token: string): Promise<string | null> {
    return this.deps.sessions.revokeToken(token, 'logout');
  }
}

function tooMany(wait: number): DomainError {
  return new DomainError('rate_limited', `Too many attempts. Try again in ${wait} seconds.`, {
    retryAfter: wait,
  });
}

export function staffDisplayName(s: { title: string; first_name: string; surname: string }): string {
  return s.title ? `${s.title} ${s.surname}` : `${s.first_name} ${s.surname}`;
}
