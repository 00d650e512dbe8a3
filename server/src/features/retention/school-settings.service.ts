import type { SchoolSettings, UpdateSchoolSettingsRequest } from '../../../../protocol/school-settings.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';

interface Row {
  code: string;
  name: string;
  retention_days: number;
  contact_email: string | null;
}

const view = (r: Row): SchoolSettings => ({
  code: r.code,
  name: r.name,
  retentionDays: r.retention_days,
  contactEmail: r.contact_email,
});

/**
 * A school's own settings, read and changed by its admins. The retention period set
 * here is the one the sweep purges by and the privacy page states: both read
 * `schools.retention_days`, nothing keeps a copy.
 */
export class SchoolSettingsService {
  constructor(private readonly db: Db) {}

  async get(p: Principal): Promise<SchoolSettings> {
    const { rows } = await this.db.query<Row>(
      'SELECT code, name, retention_days, contact_email FROM schools WHERE id = $1',
      [p.schoolId],
    );
    if (!rows[0]) throw new DomainError('not_found');
    return view(rows[0]);
  }

  async update(p: Principal, input: UpdateSchoolSettingsRequest): Promise<SchoolSettings> {
    // One statement: a field left out keeps its value (an empty contactEmail clears it).
    const { rows } = await this.db.query<Row>(
      `UPDATE schools SET retention_days = coalesce($2, retention_days),
              contact_email = CASE WHEN $3 THEN $4 ELSE contact_email END
        WHERE id = $1 RETURNING code, name, retention_days, contact_email`,
      [p.schoolId, input.retentionDays ?? null, input.contactEmail !== undefined, input.contactEmail || null],
    );
    if (!rows[0]) throw new DomainError('not_found');
    return view(rows[0]);
  }
}
