import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * A school's own words (issue 18): admins list every message with its English and
 * placeholders, set and clear their school's text per language; a key that does not exist or
 * a placeholder the English lacks is refused with nothing written; families and staff read
 * their own school's words only, never another school's.
 */
let app: TestApp;
let school: SeededSchool;
let other: SeededSchool;
let admin: string;
let otherAdmin: string;
let teacher: string;
let family: string;
let otherFamily: string;

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app, { code: 'WORDS' });
  other = await seedSmallSchool(app, { code: 'WORDSX' });
  admin = await loginStaff(app, school.admin.email);
  otherAdmin = await loginStaff(app, other.admin.email);
  teacher = await loginStaff(app, school.teachers[0]!.email);
  family = await loginFamily(app, school, 0);
  otherFamily = await loginFamily(app, other, 0);
});
afterAll(async () => {
  await app?.close();
});

const rows = async (schoolId: string) =>
  (
    await app.db.query<{ locale: string; message_key: string; text: string }>(
      'SELECT locale, message_key, text FROM school_message_overrides WHERE school_id = $1 ORDER BY locale, message_key',
      [schoolId],
    )
  ).rows;

const put = (token: string, locale: string, key: string, body: unknown) =>
  app.api('PUT', `/api/v1/admin/messages/${locale}/${key}`, { token, body });

describe('a school’s own words', () => {
  it('lists every message with its English and placeholders, plurals in their general form', async () => {
    const res = await app.api('GET', '/api/v1/admin/messages?locale=cy', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.locale).toBe('cy');
    const byKey = new Map<string, any>(res.body.messages.map((m: any) => [m.key, m]));
    expect(byKey.get('login_heading')).toEqual({
      key: 'login_heading',
      english: 'Book your parents’ evening',
      placeholders: [],
      override: null,
      updatedAt: null,
    });
    expect(byKey.get('fair_teacher_for_child').placeholders).toEqual(['child', 'teacher']);
    expect(byKey.get('fair_teacher_for_child').english).toMatch(
      /\{child\}.*\{teacher\}|\{teacher\}.*\{child\}/,
    );
    expect(byKey.get('wait_minutes')).toMatchObject({ english: '{count} minutes', placeholders: ['count'] });
    for (const query of ['', '?locale=de', '?locale=en-XA', '?locale=']) {
      const bad = await app.api('GET', `/api/v1/admin/messages${query}`, { token: admin });
      expect(bad.status, query).toBe(400);
      expect(bad.body.error.code).toBe('invalid_input');
    }
    expect((await app.api('GET', '/api/v1/admin/messages?locale=cy', { token: teacher })).status).toBe(403);
    expect((await app.api('GET', '/api/v1/admin/messages?locale=cy', { token: family })).status).toBe(403);
  });

  it('sets, changes and clears an override; the list shows it', async () => {
    const set = await put(admin, 'cy', 'fair_teacher_for_child', { text: '  {teacher} i {child}  ' });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toEqual({ locale: 'cy', key: 'fair_teacher_for_child', text: '{teacher} i {child}' });
    expect(await rows(school.schoolId)).toEqual([
      { locale: 'cy', message_key: 'fair_teacher_for_child', text: '{teacher} i {child}' },
    ]);
    const changed = await put(admin, 'cy', 'fair_teacher_for_child', { text: '{child} gyda {teacher}' });
    expect(changed.body.text).toBe('{child} gyda {teacher}');
    const list = await app.api('GET', '/api/v1/admin/messages?locale=cy', { token: admin });
    const entry = list.body.messages.find((m: any) => m.key === 'fair_teacher_for_child');
    expect(entry.override).toBe('{child} gyda {teacher}');
    expect(Date.parse(entry.updatedAt)).not.toBeNaN();
    // The same key in another language is another override.
    expect(
      (await app.api('GET', '/api/v1/admin/messages?locale=pl', { token: admin })).body.messages.find(
        (m: any) => m.key === 'fair_teacher_for_child',
      ).override,
    ).toBeNull();
    const cleared = await app.api('DELETE', '/api/v1/admin/messages/cy/fair_teacher_for_child', {
      token: admin,
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toEqual({ locale: 'cy', key: 'fair_teacher_for_child', text: null });
    expect(await rows(school.schoolId)).toEqual([]);
  });

  it('refuses an unknown key, an unknown placeholder or a bad text, writing nothing', async () => {
    await put(admin, 'pl', 'login_heading', { text: 'Zarezerwuj wywiadówkę' });
    const before = await rows(school.schoolId);
    const unknownKey = await put(admin, 'pl', 'no_such_message', { text: 'Hello' });
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body.error.code).toBe('unknown_message');
    const wrongPlaceholder = await put(admin, 'pl', 'fair_teacher_for_child', {
      text: '{teacher} i {pupil}',
    });
    expect(wrongPlaceholder.status).toBe(400);
    expect(wrongPlaceholder.body.error.code).toBe('unknown_placeholder');
    expect(wrongPlaceholder.body.error.issues).toEqual([
      { path: 'text', message: '{pupil} is not in this message; it can use {child}, {teacher}.' },
    ]);
    const noPlaceholders = await put(admin, 'pl', 'login_heading', { text: 'Witaj {name}' });
    expect(noPlaceholders.body.error.code).toBe('unknown_placeholder');
    for (const body of [
      { text: '' },
      { text: '   ' },
      { text: 'x'.repeat(2001) },
      {},
      { text: 7 },
      { text: 'a', b: 1 },
    ]) {
      const res = await put(admin, 'pl', 'login_heading', body);
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    // A language we do not offer or a malformed key names nothing.
    expect((await put(admin, 'de', 'login_heading', { text: 'Hallo' })).status).toBe(404);
    expect((await put(admin, 'pl', 'Login-Heading', { text: 'Hallo' })).status).toBe(404);
    expect((await put(teacher, 'pl', 'login_heading', { text: 'Hallo' })).status).toBe(403);
    expect((await put(family, 'pl', 'login_heading', { text: 'Hallo' })).status).toBe(403);
    expect(await rows(school.schoolId)).toEqual(before);
  });

  it('families and staff read their own school’s words for a language, never another school’s', async () => {
    await put(admin, 'cy', 'login_heading', { text: 'Noson rieni WORDS' });
    await put(otherAdmin, 'cy', 'login_heading', { text: 'Noson rieni WORDSX' });
    await put(otherAdmin, 'cy', 'login_sign_in', { text: 'Mewngofnodi WORDSX' });
    const mine = await app.api('GET', '/api/v1/messages/overrides?locale=cy', { token: family });
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual({ locale: 'cy', overrides: { login_heading: 'Noson rieni WORDS' } });
    const theirs = await app.api('GET', '/api/v1/messages/overrides?locale=cy', { token: otherFamily });
    expect(theirs.body.overrides).toEqual({
      login_heading: 'Noson rieni WORDSX',
      login_sign_in: 'Mewngofnodi WORDSX',
    });
    const staff = await app.api('GET', '/api/v1/messages/overrides?locale=cy', { token: teacher });
    expect(staff.body.overrides).toEqual({ login_heading: 'Noson rieni WORDS' });
    expect((await app.api('GET', '/api/v1/messages/overrides?locale=ar', { token: family })).body).toEqual({
      locale: 'ar',
      overrides: {},
    });
    expect((await app.api('GET', '/api/v1/messages/overrides?locale=xx', { token: family })).status).toBe(
      400,
    );
    expect((await app.api('GET', '/api/v1/messages/overrides?locale=cy')).status).toBe(401);
    // One school's admin cannot clear another's: the path names its own school only.
    await app.api('DELETE', '/api/v1/admin/messages/cy/login_sign_in', { token: admin });
    expect((await rows(other.schoolId)).map((r) => r.message_key)).toEqual([
      'login_heading',
      'login_sign_in',
    ]);
  });

  it('each write is in the audit record, with the text before', async () => {
    const { rows: audit } = await app.db.query(
      `SELECT action, actor_kind, target FROM audit_log
        WHERE school_id = $1 AND action IN ('setMessageOverride', 'clearMessageOverride') ORDER BY id`,
      [school.schoolId],
    );
    expect(audit.length).toBeGreaterThanOrEqual(5);
    expect(audit[0]).toMatchObject({
      action: 'setMessageOverride',
      actor_kind: 'staff',
      target: { locale: 'cy', key: 'fair_teacher_for_child' },
    });
    // Refused writes left no record.
    const { rows: refused } = await app.db.query(
      `SELECT 1 FROM audit_log WHERE school_id = $1 AND target->>'key' = 'no_such_message'`,
      [school.schoolId],
    );
    expect(refused).toEqual([]);
  });
});
