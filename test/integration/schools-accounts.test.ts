import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperatorAuth } from '../../server/src/features/operator/operator-auth.ts';
import { RateLimit } from '../../server/src/infra/rate-limit.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, loginStaff, PASSWORD, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSmtp, startTestWorkers, type TestSmtp } from './workers-harness.ts';

let app: TestApp;
let smtp: TestSmtp;
let workers: RunningWorkers;

async function mailTo(address: string, subject: RegExp): Promise<ParsedMail> {
  const until = Date.now() + 15_000;
  for (;;) {
    const found = smtp.messages.find(
      (m) => m.to && JSON.stringify(m.to).includes(address) && subject.test(m.subject ?? ''),
    );
    if (found) return found;
    if (Date.now() > until) throw new Error(`no mail to ${address} matching ${subject}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function linkToken(mail: ParsedMail): string {
  const m = /token=([\w-]+)/.exec(mail.text ?? '');
  if (!m) throw new Error('no link in mail');
  return m[1]!;
}

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ PUBLIC_URL: 'https://confer.example.org', SMTP_URL: smtp.url });
  workers = await startTestWorkers(app, { smtpUrl: smtp.url, only: ['email'] });
});
afterAll(async () => {
  await workers.close();
  await app.close();
  await smtp.close();
});

describe('operator, schools and staff accounts', () => {
  let operatorToken: string;
  let adminToken: string;

  it('an operator made from the command line creates a school and its admin sets a password from the mailed link', async () => {
    const auth = new OperatorAuth(
      app.db,
      60_000,
      new RateLimit(app.redis, `${app.config.REDIS_PREFIX}x`, 10, 60),
    );
    await expect(
      auth.create({ email: 'ops@example.org', name: 'Ops', password: 'password123' }, 10),
    ).rejects.toThrow(/common/);
    await auth.create({ email: 'ops@example.org', name: 'Ops', password: 'a long operator passphrase' }, 10);
    const login = await app.api('POST', '/api/v1/operator/login', {
      body: { email: 'ops@example.org', password: 'a long operator passphrase' },
    });
    expect(login.status).toBe(200);
    operatorToken = login.body.token;

    const badZone = await app.api('POST', '/api/v1/operator/schools', {
      token: operatorToken,
      body: { code: 'OAK', name: 'Oak Academy', timeZone: 'BST', retentionDays: 400 },
    });
    expect(badZone.status).toBe(400);
    const created = await app.api('POST', '/api/v1/operator/schools', {
      token: operatorToken,
      body: {
        code: 'OAK',
        name: 'Oak Academy',
        timeZone: 'Europe/London',
        retentionDays: 400,
        admin: { email: 'Head@Oak.example.org', firstName: 'Hana', surname: 'Head' },
      },
    });
    expect(created.status).toBe(200);
    expect(created.body.school).toMatchObject({ code: 'OAK', timeZone: 'Europe/London', retentionDays: 400 });
    const list = await app.api('GET', '/api/v1/operator/schools', { token: operatorToken });
    expect(list.body.schools.map((s: { code: string }) => s.code)).toContain('OAK');
    // The operator sees aggregates, never people.
    expect(JSON.stringify(list.body)).not.toContain('head@oak');

    const invite = await mailTo('head@oak.example.org', /invited/);
    const token = linkToken(invite);
    expect(invite.text).toContain('https://confer.example.org/account/password?token=');
    const weak = await app.api('POST', '/api/v1/auth/password', { body: { token, password: 'QwertyUiop' } });
    expect(weak.status).toBe(400);
    const set = await app.api('POST', '/api/v1/auth/password', {
      body: { token, password: 'oak tree in the yard' },
    });
    expect(set.status).toBe(200);
    const again = await app.api('POST', '/api/v1/auth/password', {
      body: { token, password: 'another fine phrase' },
    });
    expect(again.status).toBe(404);
    adminToken = await loginStaff(app, 'head@oak.example.org', 'oak tree in the yard');

    // A school token is not an operator token, and the other way round.
    expect((await app.api('GET', '/api/v1/operator/schools', { token: adminToken })).status).toBe(403);
    expect((await app.api('GET', '/api/v1/admin/staff-accounts', { token: operatorToken })).status).toBe(401);
  });

  it('invites a teacher, resets a forgotten password through the form page, deactivates and ends their sessions', async () => {
    const invited = await app.api('POST', '/api/v1/admin/staff-accounts', {
      token: adminToken,
      body: { email: 'tess@oak.example.org', firstName: 'Tess', surname: 'Teach' },
    });
    expect(invited.body.emailQueued).toBe(true);
    const token = linkToken(await mailTo('tess@oak.example.org', /invited/));
    // The plain HTML page the link opens, and its form post.
    const page = await fetch(`${app.url}/account/password?token=${token}`);
    expect(await page.text()).toContain('name="token"');
    const posted = await fetch(`${app.url}/account/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, password: 'chalk and blackboard', confirm: 'chalk and blackboard' }),
    });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain('Your password is set');

    const unknown = await app.api('POST', '/api/v1/auth/password/reset-request', {
      body: { email: 'nobody@oak.example.org' },
    });
    expect(unknown.body).toEqual({ accepted: true });
    await app.api('POST', '/api/v1/auth/password/reset-request', { body: { email: 'tess@oak.example.org' } });
    const reset = linkToken(await mailTo('tess@oak.example.org', /Reset/));
    expect(
      (
        await app.api('POST', '/api/v1/auth/password', {
          body: { token: reset, password: 'new chalk and board' },
        })
      ).status,
    ).toBe(200);
    const teacherToken = await loginStaff(app, 'tess@oak.example.org', 'new chalk and board');
    const socket = await app.socket(teacherToken);
    const ended = new Promise((resolve) => socket.on('session:ended', resolve));

    const list = await app.api('GET', '/api/v1/admin/staff-accounts', { token: adminToken });
    const tess = list.body.staff.find((s: { email: string }) => s.email === 'tess@oak.example.org');
    const off = await app.api('POST', `/api/v1/admin/staff-accounts/${tess.id}/deactivate`, {
      token: adminToken,
    });
    expect(off.body.active).toBe(false);
    expect(await ended).toMatchObject({ reason: 'revoked' });
    expect((await app.api('GET', '/api/v1/me', { token: teacherToken })).status).toBe(401);
    const relog = await app.api('POST', '/api/v1/auth/staff/login', {
      body: { email: 'tess@oak.example.org', password: 'new chalk and board' },
    });
    expect(relog.status).toBe(401);
  });
});

describe('family access codes', () => {
  it('regenerating a code makes the old one fail; letters print one family per page; codes go out by e-mail', async () => {
    const school = await seedSmallSchool(app, { code: 'CODES' });
    const admin = await loginStaff(app, school.admin.email, PASSWORD);
    const fam = school.families[0]!;
    const familyToken = await loginFamily(app, school, 0);
    const issued = await app.api('POST', '/api/v1/admin/access-codes', {
      token: admin,
      body: { familyIds: [fam.id] },
    });
    expect(issued.status).toBe(200);
    const newCode = issued.body.codes[0].accessCode as string;
    expect(newCode).not.toBe(fam.accessCode);
    const old = await app.api('POST', '/api/v1/auth/family/login', {
      body: { schoolCode: 'CODES', surname: fam.surname, accessCode: fam.accessCode },
    });
    expect(old.status).toBe(401);
    expect((await app.api('GET', '/api/v1/me', { token: familyToken })).status).toBe(401);
    const fresh = await app.api('POST', '/api/v1/auth/family/login', {
      body: { schoolCode: 'CODES', surname: fam.surname, accessCode: newCode },
    });
    expect(fresh.status).toBe(200);

    const letters = await app.api('POST', '/api/v1/admin/access-codes/letters', {
      token: admin,
      body: { familyIds: school.families.slice(0, 3).map((f) => f.id) },
    });
    expect(letters.headers.get('content-type')).toMatch(/text\/html/);
    const html = letters.body as string;
    expect(html.match(/class="page"/g)).toHaveLength(3);
    expect(html).toContain('break-after:page');
    expect(html).not.toMatch(/<script|<link|src="http/);

    const withEmail = school.families.find((f) => f.email)!;
    const mailed = await app.api('POST', '/api/v1/admin/access-codes/email', {
      token: admin,
      body: { familyIds: [withEmail.id] },
    });
    expect(mailed.body).toMatchObject({ queued: 1, withoutEmail: [] });
    const mail = await mailTo(withEmail.email!, /access code/);
    const code = /Access code: ([A-Z0-9]{5}-[A-Z0-9]{5})/.exec(mail.text ?? '')![1]!;
    const viaMail = await app.api('POST', '/api/v1/auth/family/login', {
      body: { schoolCode: 'CODES', surname: withEmail.surname, accessCode: code },
    });
    expect(viaMail.status).toBe(200);
  });
});
