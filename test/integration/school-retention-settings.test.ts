import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPLAINT_ANSWER_SCHOOL_DAYS, ICO_COMPLAINT_URL } from '../../protocol/complaints-procedure.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { RetentionService } from '../../server/src/features/retention/retention.service.ts';
import { FEEDBACK_RETENTION_DAYS } from '../../server/src/features/retention/retention-rules.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * A school sees and changes its retention period and contact address; the
 * privacy page states the period the purge uses, from the same column, and says who
 * decides, the rights, how to complain and to whom — without naming the service's
 * internals or asking anyone to edit an address.
 */
let app: TestApp;
let school: SeededSchool;
let admin: string;
let teacher: string;

beforeAll(async () => {
  app = await startTestApp({ SMTP_URL: 'smtp://user:secret@127.0.0.1:2525' });
  school = await seedSmallSchool(app, { code: 'PRIV' });
  admin = await loginStaff(app, school.admin.email);
  teacher = await loginStaff(app, school.teachers[0]!.email);
});
afterAll(async () => {
  await app?.close();
});

async function privacy(query = `?school=${school.schoolCode}`) {
  const res = await fetch(`${app.url}/privacy${query}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('set-cookie')).toBeNull();
  return res.text();
}

/** The text of the page, tags dropped, whitespace collapsed. */
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');

describe('school settings: retention period and contact', () => {
  it('an admin reads the settings; a teacher or a stranger cannot', async () => {
    const got = await app.api('GET', '/api/v1/admin/school/settings', { token: admin });
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ code: 'PRIV', name: 'Test School', retentionDays: 365, contactEmail: null });
    expect((await app.api('GET', '/api/v1/admin/school/settings', { token: teacher })).status).toBe(403);
    expect((await app.api('GET', '/api/v1/admin/school/settings')).status).toBe(401);
    const family = await loginFamily(app, school, 0);
    const refused = await app.api('PATCH', '/api/v1/admin/school/settings', {
      token: family,
      body: { retentionDays: 30 },
    });
    expect(refused.status).toBe(403);
  });

  it('refuses a period outside 30..3650 days, a bad address or an empty change, and writes nothing', async () => {
    for (const body of [
      { retentionDays: 29 },
      { retentionDays: 3651 },
      { retentionDays: 90.5 },
      { retentionDays: '90' },
      { contactEmail: 'not an address' },
      { retentionDays: 90, contactEmail: 'not an address' },
      {},
      { retentionDays: 90, colour: 'blue' },
    ]) {
      const res = await app.api('PATCH', '/api/v1/admin/school/settings', { token: admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    const { rows } = await app.db.query('SELECT retention_days, contact_email FROM schools WHERE id = $1', [
      school.schoolId,
    ]);
    expect(rows[0]).toEqual({ retention_days: 365, contact_email: null });
  });

  it("the privacy page's retention wording follows the school's period as the admin changes it", async () => {
    const before = text(await privacy());
    expect(before).toContain('Test School keeps personal data for 365 days');
    expect(before).toContain('365 days after the evening ends');
    expect(before).not.toContain('90 days');

    const changed = await app.api('PATCH', '/api/v1/admin/school/settings', {
      token: admin,
      body: { retentionDays: 90, contactEmail: 'Data.Office@Priv.School.test' },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ retentionDays: 90, contactEmail: 'data.office@priv.school.test' });

    const html = await privacy();
    const after = text(html);
    expect(after).toContain('Test School keeps personal data for 90 days');
    expect(after).toContain('90 days after the evening ends');
    expect(after).not.toContain('365 days after the evening ends');
    // Feedback keeps its own period, stated as the sweep's constant.
    expect(after).toContain(`${FEEDBACK_RETENTION_DAYS} days after the item last changed`);
    // The school's contact, for exercising rights.
    expect(html).toContain('href="mailto:data.office@priv.school.test"');

    // Only the address changes; an empty one clears it (null is no address, refused).
    const refused = await app.api('PATCH', '/api/v1/admin/school/settings', {
      token: admin,
      body: { contactEmail: null },
    });
    expect(refused.status).toBe(400);
    const cleared = await app.api('PATCH', '/api/v1/admin/school/settings', {
      token: admin,
      body: { contactEmail: '' },
    });
    expect(cleared.body).toMatchObject({ retentionDays: 90, contactEmail: null });
    expect(await privacy()).not.toContain('mailto:');
  });

  it('the sweep purges by the period the page states', async () => {
    // A family off the roll (no child on a class list), added 100 days ago, never seen since.
    const fam = school.families[7]!;
    await app.db.query('DELETE FROM teacher_students WHERE student_id = ANY($1::uuid[])', [fam.studentIds]);
    await app.db.query(`UPDATE families SET created_at = now() - interval '100 days' WHERE id = $1`, [
      fam.id,
    ]);
    await app.db.query(
      `UPDATE students SET created_at = now() - interval '100 days' WHERE id = ANY($1::uuid[])`,
      [fam.studentIds],
    );
    const retention = new RetentionService(app.db);
    const surname = async () =>
      (await app.db.query('SELECT surname FROM families WHERE id = $1', [fam.id])).rows[0].surname;

    await app.api('PATCH', '/api/v1/admin/school/settings', { token: admin, body: { retentionDays: 120 } });
    expect(text(await privacy())).toContain('keeps personal data for 120 days');
    await retention.purgeFormerPeople(school.schoolId);
    expect(await surname()).toBe(fam.surname);

    await app.api('PATCH', '/api/v1/admin/school/settings', { token: admin, body: { retentionDays: 90 } });
    expect(text(await privacy())).toContain('keeps personal data for 90 days');
    expect(await retention.purgeFormerPeople(school.schoolId)).toEqual({
      families: 1,
      students: fam.studentIds.length,
    });
    expect(await surname()).toBe('Erased family');
  });
});

describe('the privacy page', () => {
  it('names no internal part of the service and loads nothing from elsewhere', async () => {
    const html = await privacy();
    expect(html).not.toContain('127.0.0.1');
    expect(html).not.toContain('2525');
    expect(html).not.toMatch(/smtp|mail server|user:/i);
    expect(html).not.toMatch(/<script|src="http|<link/);
  });

  it('has a way back to booking, the roles, the rights and how to use them', async () => {
    const html = await privacy();
    const t = text(html);
    expect(html).toContain('<a href="/">Back to booking</a>');
    expect(t).toContain('Test School is the data controller');
    expect(t).toContain('the data processor');
    for (const right of ['access', 'rectification', 'erasure', 'objection'])
      expect(t).toMatch(new RegExp(`${right} :`));
    expect(t).toContain("To use any of them, ask Test School's office");
  });

  it('states the complaints procedure: who answers, within how long, following it, escalating to the ICO', async () => {
    const html = await privacy();
    const t = text(html);
    expect(t).toContain('the school answers');
    expect(t).toContain('the organisation hosting Confer answers');
    expect(t).toContain(`within ${COMPLAINT_ANSWER_SCHOOL_DAYS} school days`);
    expect(html).toContain('href="/feedback/status"');
    expect(html).toContain(`href="${ICO_COMPLAINT_URL}"`);
  });

  it('without a school asks for its code in a form (nobody edits an address); an unknown code says so', async () => {
    const html = await privacy('');
    expect(html).toContain('<form method="get" action="/privacy">');
    expect(html).toMatch(/<label for="school">[^<]+<\/label>\s*<input id="school" name="school"/);
    expect(html).not.toMatch(/add <code>\?school/i);
    expect(text(html)).toContain("the school's retention period after the evening ends");
    const unknown = await privacy('?school=NOSUCH');
    expect(unknown).toContain('No school has the code NOSUCH');
    expect(unknown).toContain('role="alert"');
  });
});
