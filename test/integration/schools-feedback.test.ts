import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, loginStaff, PASSWORD, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSmtp, startTestWorkers, type TestSmtp } from './workers-harness.ts';

let app: TestApp;
let smtp: TestSmtp;
let workers: RunningWorkers;

async function mailTo(address: string): Promise<ParsedMail> {
  const until = Date.now() + 15_000;
  for (;;) {
    const found = smtp.messages.find((m) => JSON.stringify(m.to ?? '').includes(address));
    if (found) return found;
    if (Date.now() > until) throw new Error(`no mail to ${address}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ SMTP_URL: smtp.url, FEEDBACK_PER_HOUR: '3', TRUST_PROXY: '1' });
  workers = await startTestWorkers(app, { smtpUrl: smtp.url, only: ['email'] });
});
afterAll(async () => {
  await workers.close();
  await app.close();
  await smtp.close();
});

describe('feedback and complaints', () => {
  it('takes a complaint from the form to resolved: reference, acknowledgement mail, inbox, replies, status', async () => {
    const school = await seedSmallSchool(app, { code: 'FEED' });
    const fam = school.families.find((f) => f.email)!;
    const index = school.families.indexOf(fam);
    const familyToken = await loginFamily(app, school, index);
    const sent = await app.api('POST', '/api/v1/feedback', {
      token: familyToken,
      body: { kind: 'complaint', subject: 'Slot clash', body: 'We were given two appointments at 18:00.' },
    });
    expect(sent.status).toBe(200);
    expect(sent.body.reference).toMatch(/^FB-[A-Z0-9]{8}$/);
    expect(sent.body.acknowledgementQueued).toBe(true);
    const ack = await mailTo(fam.email!);
    expect(ack.subject).toContain(sent.body.reference);

    const admin = await loginStaff(app, school.admin.email, PASSWORD);
    const inbox = await app.api('GET', '/api/v1/admin/feedback', { token: admin });
    const item = inbox.body.items.find((i: any) => i.reference === sent.body.reference);
    expect(item).toMatchObject({ kind: 'complaint', status: 'new', fromKind: 'family' });
    const working = await app.api('POST', `/api/v1/admin/feedback/${item.id}/replies`, {
      token: admin,
      body: { body: 'Looking into it.', status: 'in_progress' },
    });
    expect(working.body.status).toBe('in_progress');
    const done = await app.api('POST', `/api/v1/admin/feedback/${item.id}/replies`, {
      token: admin,
      body: { body: 'Fixed: one appointment moved to 18:10.', status: 'resolved' },
    });
    expect(done.body.status).toBe('resolved');
    expect(done.body.replies.map((r: any) => [r.statusTo, r.body])).toEqual([
      ['in_progress', 'Looking into it.'],
      ['resolved', 'Fixed: one appointment moved to 18:10.'],
    ]);
    expect(done.body.body).toBe('We were given two appointments at 18:00.');

    // Another school's admin cannot see it.
    const other = await seedSmallSchool(app, { code: 'FEEE' });
    const otherAdmin = await loginStaff(app, other.admin.email, PASSWORD);
    expect((await app.api('GET', `/api/v1/admin/feedback/${item.id}`, { token: otherAdmin })).status).toBe(
      404,
    );
    const otherInbox = await app.api('GET', '/api/v1/admin/feedback', { token: otherAdmin });
    expect(otherInbox.body.items).toEqual([]);
  });

  it('the public form (HTML, no script) sends service complaints to the operator and is rate-limited', async () => {
    const page = await fetch(`${app.url}/feedback`);
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/feedback">');
    expect(html).not.toMatch(/<script|src="http/);
    const post = (n: number) =>
      fetch(`${app.url}/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.9' },
        body: new URLSearchParams({
          kind: 'complaint',
          name: 'A Parent',
          email: 'parent@example.org',
          subject: `Site was slow ${n}`,
          body: 'The page took a minute to load.',
        }),
      });
    const first = await post(1);
    expect(first.status).toBe(200);
    expect(await first.text()).toMatch(/FB-[A-Z0-9]{8}/);
    await post(2);
    await post(3);
    expect((await post(4)).status).toBe(429);
    const { rows } = await app.db.query(
      `SELECT about, school_id FROM feedback WHERE subject LIKE 'Site was slow%'`,
    );
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.about === 'service' && r.school_id === null)).toBe(true);

    const { OperatorAuth } = await import('../../server/src/features/operator/operator-auth.ts');
    const { RateLimit } = await import('../../server/src/infra/rate-limit.ts');
    await new OperatorAuth(
      app.db,
      60_000,
      new RateLimit(app.redis, `${app.config.REDIS_PREFIX}o`, 10, 60),
    ).create({ email: 'ops@example.org', name: 'Ops', password: 'operator pass phrase' }, 10);
    const op = await app.api('POST', '/api/v1/operator/login', {
      body: { email: 'ops@example.org', password: 'operator pass phrase' },
    });
    const list = await app.api('GET', '/api/v1/operator/feedback', { token: op.body.token });
    expect(list.body.items.filter((i: any) => i.subject.startsWith('Site was slow'))).toHaveLength(3);
    // School complaints are not the operator's business.
    expect(list.body.items.some((i: any) => i.subject === 'Slot clash')).toBe(false);
  });

  it('the public form acknowledges without quoting the sender, and mails one recipient at most 3 times a day', async () => {
    const victim = 'victim@example.net';
    const lure = 'Your account is locked: sign in at https://evil.example/login';
    const queued: boolean[] = [];
    // Four senders at four addresses, each within its own hourly limit.
    for (let n = 1; n <= 4; n++) {
      const res = await app.api('POST', '/api/v1/feedback/public', {
        body: { kind: 'feedback', name: 'Help desk', email: victim, subject: lure, body: lure },
        headers: { 'x-forwarded-for': `192.0.2.${40 + n}` },
      });
      expect(res.status).toBe(200);
      expect(res.body.reference).toMatch(/^FB-[A-Z0-9]{8}$/);
      queued.push(res.body.acknowledgementQueued);
    }
    const ack = await mailTo(victim);
    for (const part of [ack.subject ?? '', ack.text ?? '', String(ack.html)]) {
      expect(part).not.toContain('evil.example');
      expect(part).not.toContain('locked');
    }
    expect(ack.text).toMatch(/FB-[A-Z0-9]{8}/);
    expect(queued).toEqual([true, true, true, false]);
    // The feedback itself is kept all four times; only the fourth mail is not sent.
    const { rows } = await app.db.query('SELECT count(*)::int AS n FROM feedback WHERE email = $1', [victim]);
    expect(rows[0].n).toBe(4);
  });

  it('the privacy page is generated from the configuration', async () => {
    const res = await fetch(`${app.url}/privacy?school=FEED`);
    const html = await res.text();
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(html).toContain('no cookies');
    expect(html).toContain(`${app.config.ARCHIVE_AFTER_DAYS} days after it ends`);
    expect(html).toContain('keeps personal data for <strong>365 days</strong>');
    // The service's internals are the operator's business: no mail server named.
    expect(html).not.toContain('127.0.0.1');
    expect(html).not.toMatch(/<script|src="http|<link/);
  });
});
