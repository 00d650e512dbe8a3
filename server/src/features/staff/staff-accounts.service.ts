import type { InviteStaffRequest, StaffAccountView } from '../../../../protocol/schools.ts';
import { type Db, inTransaction, pgCode } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { staffDisplayName } from '../auth/auth.service.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { Principal } from '../auth/principal.ts';
import type { SessionStore } from '../auth/session-store.ts';
import { recordChange } from '../records/audit-log.ts';
import type { EmailOutbox } from './email-outbox.ts';
import { passwordProblem } from './password-policy.ts';
import { consumeStaffLink, issueStaffLink } from './staff-links.ts';

export interface StaffAccountsDeps {
  db: Db;
  sessions: SessionStore;
  /** Absent when no mail queue is configured; links then cannot be sent. */
  outbox: EmailOutbox | null;
  /** Seals link tokens until their mail is sent (infra/server-keys.ts): the mail job carries the link's id only. */
  sealKey: Buffer;
  passwordMinLength: number;
  inviteTtlMs: number;
  resetTtlMs: number;
  /** Disconnects the sockets of ended sessions. */
  sessionsEnded: (sessionIds: string[]) => void;
}

export interface NewStaff {
  schoolId: string;
  email: string;
  firstName: string;
  surname: string;
  title?: string | undefined;
  isAdmin: boolean;
  isTeacher: boolean;
}

interface StaffRow {
  id: string;
  email: string;
  title: string;
  first_name: string;
  surname: string;
  is_admin: boolean;
  is_teacher: boolean;
  active: boolean;
  password_hash: string | null;
}

/** Staff accounts: invitations, password links, deactivation. Scoped to the admin's school. */
export class StaffAccountsService {
  constructor(private readonly deps: StaffAccountsDeps) {}

  async list(p: Principal): Promise<StaffAccountView[]> {
    const { rows } = await this.deps.db.query<StaffRow>(
      `SELECT id, email, title, first_name, surname, is_admin, is_teacher, active, password_hash
         FROM staff WHERE school_id = $1 ORDER BY surname, first_name, id`,
      [p.schoolId],
    );
    return rows.map(view);
  }

  /** Creates the account (or renews the invitation of one that never set a password) and mails the link. */
  async invite(input: NewStaff): Promise<{ staffId: string; expiresAt: Date; emailQueued: boolean }> {
    const email = input.email.toLowerCase();
    const { staffId, linkId, expiresAt } = await inTransaction(this.deps.db, async (c) => {
      const { rows: existing } = await c.query<{ id: string; password_hash: string | null }>(
        'SELECT id, password_hash FROM staff WHERE school_id = $1 AND email = $2 FOR UPDATE',
        [input.schoolId, email],
      );
      let id = existing[0]?.id;
      if (existing[0]?.password_hash)
        throw new DomainError('invalid_input', 'This person already has an account.', {
          issues: [{ path: 'email', message: 'already has an account' }],
        });
      if (!id) {
        try {
          const { rows } = await c.query<{ id: string }>(
            `INSERT INTO staff (school_id, email, title, first_name, surname, is_admin, is_teacher)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
            [
              input.schoolId,
              email,
              input.title ?? '',
              input.firstName,
              input.surname,
              input.isAdmin,
              input.isTeacher,
            ],
          );
          id = rows[0]!.id;
        } catch (err) {
          if (pgCode(err) === '23505') throw new DomainError('invalid_input', 'This e-mail is already used.');
          throw err;
        }
      }
      const link = await issueStaffLink(c, id, 'invite', this.deps.inviteTtlMs, this.deps.sealKey);
      return { staffId: id, ...link };
    });
    const emailQueued = await this.mail({ kind: 'staff-invitation', staffId, inviteId: linkId });
    return { staffId, expiresAt, emailQueued };
  }

  private async mail(
    job:
      | { kind: 'staff-invitation'; staffId: string; inviteId: string }
      | { kind: 'password-reset'; staffId: string; requestId: string },
  ): Promise<boolean> {
    if (!this.deps.outbox) return false;
    await this.deps.outbox.send([job]);
    return true;
  }

  /**
   * Sets the password behind an invitation or reset link; the link works once. Every
   * session of the account ends: a reset is what someone does who fears another
   * holds their password (or an open session).
   */
  async setPassword(token: string, password: string): Promise<{ email: string }> {
    const { email, staffId } = await inTransaction(this.deps.db, async (c) => {
      const staffId = await consumeStaffLink(c, token);
      if (!staffId) throw new DomainError('not_found', 'This link has expired or was already used.');
      const { rows } = await c.query<{ email: string; school_id: string }>(
        'SELECT email, school_id FROM staff WHERE id = $1',
        [staffId],
      );
      const email = rows[0]!.email;
      // Checked after the link so the answer does not tell a stranger whether a token is valid
      // cheaply; a refused password rolls the transaction back, leaving the link usable.
      const problem = passwordProblem(password, this.deps.passwordMinLength, email);
      if (problem)
        throw new DomainError('invalid_input', problem, { issues: [{ path: 'password', message: problem }] });
      await c.query('UPDATE staff SET password_hash = $2 WHERE id = $1', [
        staffId,
        await hashPassword(password),
      ]);
      // Here, not at the API edge: the password page's form posts to this too.
      await recordChange(c, {
        schoolId: rows[0]!.school_id,
        actorKind: 'staff',
        actorId: staffId,
        action: 'setPasswordWithLink',
        target: { staffId },
      });
      return { email, staffId };
    });
    this.deps.sessionsEnded(await this.deps.sessions.revokeAllOf({ staffId }, 'password_changed'));
    return { email };
  }

  /** Ends every session of accounts whose role changed (a teachers import): they carry the old rights. */
  async rolesChanged(staffIds: string[]): Promise<void> {
    for (const staffId of staffIds)
      this.deps.sessionsEnded(await this.deps.sessions.revokeAllOf({ staffId }, 'role_changed'));
  }

  /**
   * "Forgot my password": mails a reset link to every active account with this address
   * (one person may be staff at two schools). The answer never says whether any exists.
   */
  async requestReset(emailAddress: string): Promise<void> {
    const { rows } = await this.deps.db.query<{ id: string }>(
      'SELECT id FROM staff WHERE email = $1 AND active AND password_hash IS NOT NULL',
      [emailAddress.toLowerCase()],
    );
    for (const r of rows) await this.sendReset(r.id);
  }

  private async sendReset(staffId: string): Promise<{ expiresAt: Date; emailQueued: boolean }> {
    const { linkId, expiresAt } = await issueStaffLink(
      this.deps.db,
      staffId,
      'reset',
      this.deps.resetTtlMs,
      this.deps.sealKey,
    );
    const emailQueued = await this.mail({ kind: 'password-reset', staffId, requestId: linkId });
    return { expiresAt, emailQueued };
  }

  private async ownStaff(p: Principal, staffId: string): Promise<StaffRow> {
    const { rows } = await this.deps.db.query<StaffRow>(
      `SELECT id, email, title, first_name, surname, is_admin, is_teacher, active, password_hash
         FROM staff WHERE id = $1 AND school_id = $2`,
      [staffId, p.schoolId],
    );
    if (!rows[0]) throw new DomainError('not_found');
    return rows[0];
  }

  /** An admin sends a staff member a reset link (or a fresh invitation if none was accepted). */
  async adminSendLink(
    p: Principal,
    staffId: string,
  ): Promise<{ staffId: string; expiresAt: Date; emailQueued: boolean }> {
    const s = await this.ownStaff(p, staffId);
    if (!s.active) throw new DomainError('invalid_input', 'This account is deactivated.');
    if (s.password_hash) return { staffId, ...(await this.sendReset(staffId)) };
    const { linkId, expiresAt } = await issueStaffLink(
      this.deps.db,
      staffId,
      'invite',
      this.deps.inviteTtlMs,
      this.deps.sealKey,
    );
    const emailQueued = await this.mail({ kind: 'staff-invitation', staffId, inviteId: linkId });
    return { staffId, expiresAt, emailQueued };
  }

  /** Deactivates: sign-in refused, every session ended at once, sockets disconnected. */
  async setActive(p: Principal, staffId: string, active: boolean): Promise<StaffAccountView> {
    const s = await this.ownStaff(p, staffId);
    if (!active && p.kind === 'staff' && p.staffId === staffId)
      throw new DomainError('invalid_input', 'You cannot deactivate your own account.');
    if (!active && s.is_admin) {
      const { rows } = await this.deps.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM staff WHERE school_id = $1 AND is_admin AND active AND id <> $2',
        [p.schoolId, staffId],
      );
      if (rows[0]!.n === 0)
        throw new DomainError('invalid_input', 'A school needs at least one active admin.');
    }
    await this.deps.db.query('UPDATE staff SET active = $2 WHERE id = $1', [staffId, active]);
    if (!active) {
      // Unused links die with the account: reactivation needs a new one.
      await this.deps.db.query(
        'UPDATE staff_links SET used_at = now(), token_sealed = NULL WHERE staff_id = $1 AND used_at IS NULL',
        [staffId],
      );
      const ended = await this.deps.sessions.revokeAllOf({ staffId }, 'deactivated');
      this.deps.sessionsEnded(ended);
    }
    return view({ ...s, active });
  }
}

function view(r: StaffRow): StaffAccountView {
  return {
    id: r.id,
    email: r.email,
    displayName: staffDisplayName(r),
    isAdmin: r.is_admin,
    isTeacher: r.is_teacher,
    active: r.active,
    hasPassword: r.password_hash !== null,
  };
}

export function inviteInput(p: Principal, body: InviteStaffRequest): NewStaff {
  return { schoolId: p.schoolId, ...body };
}
