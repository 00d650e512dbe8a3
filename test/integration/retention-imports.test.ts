import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { RetentionService } from '../../server/src/features/retention/retention.service.ts';
import { importCsv, postCsv } from '../support/csv-import.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * An import's plan lists the names it would add, change or remove, and its record keeps
 * what it changed so it can be undone: both hold names, so both fall under
 * retention — a plan never imported after its hour, an import's record after the
 * school's period.
 */
let app: TestApp;
let school: SeededSchool;
let token: string;

beforeAll(async () => {
  app = await startTestApp({ IMPORTS_PER_HOUR: '1000' });
  school = await seedSmallSchool(app, { code: 'RETIMP' });
  token = await loginStaff(app, school.admin.email);
});
afterAll(() => app.close());

const mentions = async (name: string) =>
  Number(
    (
      await app.db.query(
        `SELECT (SELECT count(*) FROM imports WHERE school_id = $1 AND coalesce(applied::text, '') LIKE $2)
              + (SELECT count(*) FROM import_plans WHERE school_id = $1 AND (plan::text || summary::text) LIKE $2) AS n`,
        [school.schoolId, `%${name}%`],
      )
    ).rows[0].n,
  );

describe('retention of imports', () => {
  it('deletes plans never imported after their hour and empties what an old import changed, keeping recent ones', async () => {
    const old = await importCsv(
      app,
      token,
      'family_id,surname,email\r\nOLD1,Oldimportname,old@example.org\r\n',
    );
    expect(old.status, JSON.stringify(old.body)).toBe(200);
    const checked = await postCsv(
      app,
      token,
      'family_id,surname,email\r\nCHK1,Checkonlyname,chk@example.org\r\n',
      '?dryRun=1',
    );
    expect(checked.status).toBe(200);
    const recent = await importCsv(
      app,
      token,
      'family_id,surname,email\r\nNEW1,Recentimportname,new@example.org\r\n',
    );
    expect(recent.status).toBe(200);
    expect(await mentions('Oldimportname')).toBeGreaterThan(0);
    expect(await mentions('Checkonlyname')).toBeGreaterThan(0);

    // The first import was a year ago; the check two hours ago.
    await app.db.query(`UPDATE imports SET at = now() - interval '400 days' WHERE id = $1`, [
      old.body.importId,
    ]);
    await app.db.query(`UPDATE import_plans SET created_at = now() - interval '2 hours' WHERE id = $1`, [
      checked.body.planId,
    ]);
    await new RetentionService(app.db).sweep(30);

    expect(await mentions('Oldimportname')).toBe(0);
    expect(await mentions('Checkonlyname')).toBe(0);
    expect(await mentions('Recentimportname')).toBeGreaterThan(0);
    // The old import's counts stay; it can no longer be undone.
    const { rows } = await app.db.query('SELECT applied FROM imports WHERE id = $1', [old.body.importId]);
    expect(rows).toEqual([{ applied: null }]);
    const restore = await app.api('POST', `/api/v1/admin/imports/${old.body.importId}/restore`, { token });
    expect(restore.status).toBeGreaterThanOrEqual(400);
    expect(restore.status).toBeLessThan(500);
  });
});
