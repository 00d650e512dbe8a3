import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { translatorForFamily } from '../../server/src/i18n/family-translator.ts';
import { importCsv } from '../support/csv-import.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * A family's language (issue 18): sign-in and /me say it, the family saves its own choice,
 * an admin sets it for a family of the school, a bad value is refused with nothing written,
 * staff have no language of their own to set, and the server's mail translator follows it.
 */
let app: TestApp;
let school: SeededSchool;
let other: SeededSchool;
let admin: string;
let teacher: string;

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app, { code: 'LANG' });
  other = await seedSmallSchool(app, { code: 'LANGX' });
  admin = await loginStaff(app, school.admin.email);
  teacher = await loginStaff(app, school.teachers[0]!.email);
});
afterAll(async () => {
  await app?.close();
});

const languageOf = async (familyId: string) =>
  (await app.db.query<{ language: string | null }>('SELECT language FROM families WHERE id = $1', [familyId]))
    .rows[0]!.language;

async function signIn(index: number) {
  const f = school.families[index]!;
  const res = await app.api('POST', '/api/v1/auth/family/login', {
    body: { schoolCode: school.schoolCode, surname: f.surname, accessCode: f.accessCode },
  });
  expect(res.status).toBe(200);
  return res.body;
}

describe('a family’s language', () => {
  it('sign-in and /me say it: null until known, then the saved one', async () => {
    const first = await signIn(0);
    expect(first.me.family.language).toBeNull();
    const saved = await app.api('PUT', '/api/v1/me/language', {
      token: first.token,
      body: { language: 'cy' },
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ language: 'cy' });
    expect(await languageOf(school.families[0]!.id)).toBe('cy');
    const again = await signIn(0);
    expect(again.me.family.language).toBe('cy');
    const me = await app.api('GET', '/api/v1/me', { token: again.token });
    expect(me.body.family.language).toBe('cy');
  });

  it('refuses a language we do not offer, or anything else, with nothing written', async () => {
    const token = await loginFamily(app, school, 1);
    await app.db.query("UPDATE families SET language = 'pl' WHERE id = $1", [school.families[1]!.id]);
    for (const body of [
      { language: 'de' },
      { language: 'CY' },
      { language: 'en-XA' },
      { language: null },
      { language: 7 },
      {},
      { language: 'cy', extra: true },
    ]) {
      const res = await app.api('PUT', '/api/v1/me/language', { token, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    expect(await languageOf(school.families[1]!.id)).toBe('pl');
  });

  it('staff have no language of their own to set here; a stranger must sign in', async () => {
    for (const token of [teacher, admin]) {
      const res = await app.api('PUT', '/api/v1/me/language', { token, body: { language: 'cy' } });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect((await app.api('PUT', '/api/v1/me/language', { body: { language: 'cy' } })).status).toBe(401);
  });

  it('an admin sets or clears it for a family of the school only', async () => {
    const family = school.families[2]!.id;
    const set = await app.api('PUT', `/api/v1/admin/families/${family}/language`, {
      token: admin,
      body: { language: 'ur' },
    });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ language: 'ur' });
    expect(await languageOf(family)).toBe('ur');
    const cleared = await app.api('PUT', `/api/v1/admin/families/${family}/language`, {
      token: admin,
      body: { language: null },
    });
    expect(cleared.body).toEqual({ language: null });
    expect(await languageOf(family)).toBeNull();
    // Another school's family answers like none at all, and is not changed.
    const foreign = other.families[0]!.id;
    const refused = await app.api('PUT', `/api/v1/admin/families/${foreign}/language`, {
      token: admin,
      body: { language: 'ar' },
    });
    expect(refused.status).toBe(404);
    expect(await languageOf(foreign)).toBeNull();
    const byTeacher = await app.api('PUT', `/api/v1/admin/families/${family}/language`, {
      token: teacher,
      body: { language: 'ar' },
    });
    expect(byTeacher.status).toBe(403);
    const bad = await app.api('PUT', `/api/v1/admin/families/${family}/language`, {
      token: admin,
      body: { language: 'fr' },
    });
    expect(bad.status).toBe(400);
    expect(await languageOf(family)).toBeNull();
  });

  it('is erased with the family', async () => {
    const family = school.families[3]!.id;
    await app.db.query("UPDATE families SET language = 'ro' WHERE id = $1", [family]);
    const erased = await app.api('POST', `/api/v1/admin/families/${family}/erase`, { token: admin });
    expect(erased.status, JSON.stringify(erased.body)).toBe(200);
    expect(await languageOf(family)).toBeNull();
  });

  it('the mail translator writes in the family’s language with its school’s words', async () => {
    const family = school.families[4]!.id;
    await app.db.query("UPDATE families SET language = 'cy' WHERE id = $1", [family]);
    const plain = await translatorForFamily(app.db, family);
    expect(plain.locale).toBe('cy');
    expect(plain.tag).toBe('cy');
    expect(plain.m.login_heading()).not.toBe('Noson rieni Ysgol LANG');
    // The admin's change reaches this process's mail at once, not after the cache's minute.
    const set = await app.api('PUT', '/api/v1/admin/messages/cy/login_heading', {
      token: admin,
      body: { text: 'Noson rieni Ysgol LANG' },
    });
    expect(set.status).toBe(200);
    expect((await translatorForFamily(app.db, family)).m.login_heading()).toBe('Noson rieni Ysgol LANG');
    // Another school's family in the same language does not get it.
    await app.db.query("UPDATE families SET language = 'cy' WHERE id = $1", [other.families[1]!.id]);
    const theirs = await translatorForFamily(app.db, other.families[1]!.id);
    expect(theirs.m.login_heading()).not.toBe('Noson rieni Ysgol LANG');
    const unknown = await translatorForFamily(app.db, '00000000-0000-4000-8000-000000000000');
    expect(unknown.locale).toBe('en');
    expect(unknown.tag).toBe('en-GB');
  });

  it('the MIS import fills in a home language not known, counts the ones we do not offer, and keeps a family’s own', async () => {
    const csv = [
      'Family ID,Surname,Home Language',
      'HL1,Jones,Welsh',
      'HL2,Nowak,pl',
      'HL3,Hussain,Urdu',
      'HL4,Farah,Somali',
      'HL5,Evans,',
      'HL6,Popescu,Klingon',
    ].join('\n');
    const done = await importCsv(app, admin, csv);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.check.body).toMatchObject({ kind: 'families', created: 6, languagesNotOffered: 2 });
    expect(done.body).toMatchObject({ created: 6, languagesNotOffered: 2 });
    const languages = async () =>
      Object.fromEntries(
        (
          await app.db.query<{ external_id: string; language: string | null }>(
            "SELECT external_id, language FROM families WHERE school_id = $1 AND external_id LIKE 'HL%'",
            [school.schoolId],
          )
        ).rows.map((r) => [r.external_id, r.language]),
      );
    expect(await languages()).toEqual({ HL1: 'cy', HL2: 'pl', HL3: 'ur', HL4: null, HL5: null, HL6: null });

    // The family of HL2 chooses Romanian; the next term's file says Polish again, and
    // now knows HL4's and HL5's (the "language" header works too).
    await app.db.query("UPDATE families SET language = 'ro' WHERE school_id = $1 AND external_id = 'HL2'", [
      school.schoolId,
    ]);
    const again = await importCsv(
      app,
      admin,
      ['family_id,surname,language', 'HL2,Nowak,Polish', 'HL4,Farah,Arabic', 'HL5,Evans,Bangla'].join('\n'),
    );
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ created: 0, updated: 2, languagesNotOffered: 0 });
    expect(await languages()).toMatchObject({ HL2: 'ro', HL4: 'ar', HL5: 'bn' });

    // Signing in says it.
    const { rows } = await app.db.query<{ id: string }>(
      "SELECT id FROM families WHERE school_id = $1 AND external_id = 'HL1'",
      [school.schoolId],
    );
    const code = await app.api('POST', '/api/v1/admin/access-codes', {
      token: admin,
      body: { familyIds: [rows[0]!.id] },
    });
    expect(code.status, JSON.stringify(code.body)).toBe(200);
    const login = await app.api('POST', '/api/v1/auth/family/login', {
      body: { schoolCode: school.schoolCode, surname: 'Jones', accessCode: code.body.codes[0].accessCode },
    });
    expect(login.status).toBe(200);
    expect(login.body.me.family.language).toBe('cy');
  });
});
