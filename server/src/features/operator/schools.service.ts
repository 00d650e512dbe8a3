import type {
  CreateSchoolRequest,
  SchoolSummary,
  UpdateSchoolRequest,
} from '../../../../protocol/schools.ts';
import { type Db, pgCode } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { SessionStore } from '../auth/session-store.ts';
import type { StaffAccountsService } from '../staff/staff-accounts.service.ts';

interface SchoolRow {
  id: string;
  code: string;
  name: string;
  time_zone: string;
  retention_days: number;
  created_at: Date;
  suspended_at: Date | null;
  staff: number;
  families: number;
  students: number;
  events: number;
  confirmed: number;
}

const SCHOOL_SELECT = `
  SELECT s.id, s.code, s.name, s.time_zone, s.retention_days, s.created_at, s.suspended_at,
         (SELECT count(*)::int FROM staff WHERE school_id = s.id AND active) AS staff,
         (SELECT count(*)::int FROM families WHERE school_id = s.id AND erased_at IS NULL) AS families,
         (SELECT count(*)::int FROM students WHERE school_id = s.id) AS students,
         (SELECT count(*)::int FROM events WHERE school_id = s.id) AS events,
         (SELECT count(*)::int FROM bookings b JOIN events e ON e.id = b.event_id
           WHERE e.school_id = s.id AND b.status = 'confirmed') AS confirmed
    FROM schools s`;

function summary(r: SchoolRow): SchoolSummary {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    timeZone: r.time_zone,
    retentionDays: r.retention_days,
    createdAt: r.created_at.toISOString(),
    suspendedAt: r.suspended_at?.toISOString() ?? null,
    counts: {
      staff: r.staff,
      families: r.families,
      students: r.students,
      events: r.events,
      confirmedBookings: r.confirmed,
    },
  };
}

/**
 * What the operator does with schools: create them, list them with aggregate counts
 * only, suspend or unsuspend them and set their retention period.
 */
export class SchoolsService {
  constructor(
    private readonly db: Db,
    private readonly staff: StaffAccountsService,
    private readonly sessions: SessionStore,
    /** Tells the open screens of ended sessions why they ended. */
    private readonly sessionsEnded: (ids: string[]) => void,
  ) {}

  async get(schoolId: string): Promise<SchoolSummary> {
    const { rows } = await this.db.query<SchoolRow>(`${SCHOOL_SELECT} WHERE s.id = $1`, [schoolId]);
    if (!rows[0]) throw new DomainError('not_found', 'No such school.');
    return summary(rows[0]);
  }

  /**
   * Suspending keeps the time it first happened (suspending again changes nothing) and
   * ends every live session of the school at once: sign-in alone would let the people
   * already in stay in until they went idle.
   */
  async update(schoolId: string, input: UpdateSchoolRequest): Promise<SchoolSummary> {
    const { rowCount } = await this.db.query(
      `UPDATE schools
          SET retention_days = coalesce($2, retention_days),
              suspended_at = CASE WHEN $3::boolean IS NULL THEN suspended_at
                                  WHEN $3 THEN coalesce(suspended_at, now()) ELSE NULL END
        WHERE id = $1`,
      [schoolId, input.retentionDays ?? null, input.suspended ?? null],
    );
    if (!rowCount) throw new DomainError('not_found', 'No such school.');
    if (input.suspended) {
      const ended = await this.sessions.revokeAllOf({ schoolId }, 'school suspended');
      this.sessionsEnded(ended);
    }
    return this.get(schoolId);
  }

  async list(): Promise<SchoolSummary[]> {
    const { rows } = await this.db.query<SchoolRow>(`${SCHOOL_SELECT} ORDER BY s.name, s.code`);
    return rows.map(summary);
  }

  async create(
    input: CreateSchoolRequest,
  ): Promise<{ school: SchoolSummary; adminInvite: { staffId: string; expiresAt: string } | null }> {
    let schoolId: string;
    try {
      const { rows } = await this.db.query<{ id: string }>(
        'INSERT INTO schools (code, name, time_zone, retention_days) VALUES ($1, $2, $3, $4) RETURNING id',
        [input.code, input.name, input.timeZone, input.retentionDays],
      );
      schoolId = rows[0]!.id;
    } catch (err) {
      if (pgCode(err) === '23505')
        throw new DomainError('invalid_input', 'A school with this code exists.', {
          issues: [{ path: 'code', message: 'already used' }],
        });
      throw err;
    }
    let adminInvite: { staffId: string; expiresAt: string } | null = null;
    if (input.admin) {
      const r = await this.staff.invite({
        schoolId,
        email: input.admin.email,
        firstName: input.admin.firstName,
        surname: input.admin.surname,
        title: input.admin.title,
        isAdmin: true,
        isTeacher: false,
      });
      adminInvite = { staffId: r.staffId, expiresAt: r.expiresAt.toISOString() };
    }
    const { rows } = await this.db.query<SchoolRow>(`${SCHOOL_SELECT} WHERE s.id = $1`, [schoolId]);
    return { school: summary(rows[0]!), adminInvite };
  }

  async totals(): Promise<{ schools: number; staff: number; families: number; confirmedBookings: number }> {
    const { rows } = await this.db.query<{
      schools: number;
      staff: number;
      families: number;
      confirmed: number;
    }>(
      `SELECT (SELECT count(*)::int FROM schools) AS schools,
              (SELECT count(*)::int FROM staff WHERE active) AS staff,
              (SELECT count(*)::int FROM families WHERE erased_at IS NULL) AS families,
              (SELECT count(*)::int FROM bookings WHERE status = 'confirmed') AS confirmed`,
    );
    const r = rows[0]!;
    return { schools: r.schools, staff: r.staff, families: r.families, confirmedBookings: r.confirmed };
  }
}
