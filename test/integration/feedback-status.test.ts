import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { OperatorAuth } from '../../server/src/features/operator/operator-auth.ts';
import { RateLimit } from '../../server/src/infra/rate-limit.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginStaff, PASSWORD, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSmtp, startTestWorkers, type TestSmtp } from './workers-harness.ts';

let app: TestApp;
let smtp: TestSmtp;
let workers: RunningWorkers;
let school: SeededSchool;
let addressN = 0;
/** Each sender its own address: the public form is limited per address and hour. */
const nextAddress = () => `198.51.100.${++addressN}`;

async function mailTo(address: string, subject: RegExp): Promise<ParsedMail> {
  const until = Date.now() + 15_000;
  for (;;) {
    const found = smtp.messages.find(
      (m) => JSON.stringify(m.to ?? '').includes(address) && subject.test(m.subject ?? ''),
    );
    if (found) return found;
    if (Date.now() > until) throw new Error(`no mail to ${address} with ${subject}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function submit(body: Record<string, unknown>): Promise<{ reference: string; secret: string }> {
  const res = await app.api('POST', '/api/v1/feedback/public', {
    body,
    headers: { 'x-forwarded-for': nextAddress() },
  });
  expect(res.status).toBe(200);
  return res.body;
}

const lookup = (reference: string, secret: string, address = nextAddress()) =>
  app.api('POST', '/api/v1/feedback/status', {
    body: { reference, secret },
    headers: { 'x-forwarded-for': address },
  });

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ SMTP_URL: smtp.url, TRUST_PROXY: '1' });
  workers = await startTestWorkers(app, {
    smtpUrl: smtp.url,
    only: ['email'],
    env: { PUBLIC_URL: app.url },
  });
  school = await seedSmallSchool(app, { code: 'STAT', name: 'Status Street School' });
});
afterAll(async () => {
  await workers?.close();
  await app?.close();
  await smtp?.close();
});

describe('a complaint followed by its sender', () => {
  it('mails the secret with the acknowledgement, mails each reply, and shows both on the status page and API', async () => {
    const email = 'complainant@example.org';
    const sent = await submit({
      kind: 'complaint',
      schoolCode: 'STAT',
      name: 'A Parent',
      email,
      subject: 'Parking',
      body: 'There was nowhere to park.',
    });
    expect(sent.reference).toMatch(/^FB-[A-Z0-9]{8}$/);
    expect(sent.secret).toMatch(/^([A-Z2-9]{4}-){3}[A-Z2-9]{4}$/);

    const ack = await mailTo(email, /received your complaint/);
    expect(ack.text).toContain(sent.secret);
    expect(ack.text).toContain(`${app.url}/feedback/status`);
    // The secret waited sealed for its mail only; the row keeps a digest, never the secret.
    await expect
      .poll(async () => {
        const { rows } = await app.db.query('SELECT secret_sealed FROM feedback WHERE reference = $1', [
          sent.reference,
        ]);
        return rows[0].secret_sealed;
      })
      .toBeNull();
    const { rows: stored } = await app.db.query(
      'SELECT to_jsonb(f)::text AS row FROM feedback f WHERE reference = $1',
      [sent.reference],
    );
    expect(stored[0].row).not.toContain(sent.secret);
    expect(stored[0].row).not.toContain(sent.secret.replaceAll('-', ''));

    // Before any reply: received, nothing answered.
    const before = await lookup(sent.reference, sent.secret);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      reference: sent.reference,
      kind: 'complaint',
      status: 'new',
      statusText: 'Received, not answered yet',
      answeredBy: 'Status Street School',
      replies: [],
    });

    const admin = await loginStaff(app, school.admin.email, PASSWORD);
    const inbox = await app.api('GET', '/api/v1/admin/feedback', { token: admin });
    const item = inbox.body.items.find((i: { reference: string }) => i.reference === sent.reference);
    const replied = await app.api('POST', `/api/v1/admin/feedback/${item.id}/replies`, {
      token: admin,
      body: { body: 'We have asked the neighbouring church to open its car park.', status: 'resolved' },
    });
    expect(replied.status).toBe(200);

    const reply = await mailTo(email, /Reply to your complaint/);
    expect(reply.subject).toContain(sent.reference);
    expect(reply.text).toContain('We have asked the neighbouring church to open its car park.');
    expect(reply.text).toContain('Status now: Answered and closed.');
    // Nothing the sender wrote comes back in a mail (the public form takes any address).
    expect(`${reply.subject} ${reply.text} ${reply.html}`).not.toContain('nowhere to park');

    // Case and dashes as typed do not matter.
    const after = await lookup(sent.reference.toLowerCase(), sent.secret.replaceAll('-', ' ').toLowerCase());
    expect(after.status).toBe(200);
    expect(after.body.status).toBe('resolved');
    expect(after.body.statusText).toBe('Answered and closed');
    expect(after.body.replies).toEqual([
      {
        at: expect.any(String),
        from: after.body.answeredBy,
        body: 'We have asked the neighbouring church to open its car park.',
        statusTo: 'resolved',
      },
    ]);
    // No member of staff is named to the public.
    expect(JSON.stringify(after.body)).not.toMatch(/Ms |Mr |Mrs |Dr /);

    // The page: a form that POSTs (the secret never sits in a URL), no cookie, no script.
    const form = await fetch(`${app.url}/feedback/status`);
    const formHtml = await form.text();
    expect(formHtml).toContain('<form method="post" action="/feedback/status">');
    expect(formHtml).not.toMatch(/<script/);
    const page = await fetch(`${app.url}/feedback/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': nextAddress() },
      body: new URLSearchParams({ reference: sent.reference, secret: sent.secret }),
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toBeNull();
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('Answered and closed');
    expect(html).toContain('We have asked the neighbouring church to open its car park.');
    expect(html).toContain('ico.org.uk');
    expect(html).not.toMatch(/<script/);
  });

  it('refuses a wrong secret and an unknown reference alike, and limits guessing', async () => {
    const sent = await submit({ kind: 'complaint', name: 'Someone', subject: 'Slow', body: 'Slow site.' });
    const wrongSecret = await lookup(sent.reference, 'AAAA-BBBB-CCCC-DDDD');
    const noSuch = await lookup('FB-ZZZZ2222', sent.secret);
    expect(wrongSecret.status).toBe(404);
    expect(noSuch.status).toBe(404);
    expect(wrongSecret.body).toEqual(noSuch.body);
    expect(wrongSecret.body.error.code).toBe('not_found');
    // The page says the same for both, too.
    const pageFor = async (reference: string, secret: string) => {
      const res = await fetch(`${app.url}/feedback/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': nextAddress() },
        body: new URLSearchParams({ reference, secret }),
      });
      return { status: res.status, html: (await res.text()).replace(/value="[^"]*"/g, '') };
    };
    expect(await pageFor(sent.reference, 'AAAA-BBBB-CCCC-DDDD')).toEqual(
      await pageFor('FB-ZZZZ3333', sent.secret),
    );

    // Many addresses guessing one reference: after five tries, each must wait, whether
    // the reference exists or not (no difference there either), and the right secret too.
    // (The reference had two wrong tries above.)
    for (const [ref, tries] of [
      [sent.reference, 3],
      ['FB-YYYY4444', 5],
    ] as const) {
      for (let n = 0; n < tries; n++) expect((await lookup(ref, `WRONG-${n}`)).status).toBe(404);
    }
    const waits = await lookup(sent.reference, 'WRONG-X');
    const waitsToo = await lookup('FB-YYYY4444', 'WRONG-X');
    expect(waits.status).toBe(429);
    expect(waitsToo.status).toBe(429);
    expect(waits.body.error.code).toBe('rate_limited');
    const blocked = await lookup(sent.reference, sent.secret);
    expect(blocked.status).toBe(429);
    await new Promise((r) => setTimeout(r, blocked.body.error.retryAfter * 1000 + 100));
    expect((await lookup(sent.reference, sent.secret)).status).toBe(200);

    // One address trying many references: 30 lookups an hour.
    const one = nextAddress();
    const statuses: number[] = [];
    for (let n = 0; n < 31; n++) statuses.push((await lookup(`FB-ABCD${1000 + n}`, 'X', one)).status);
    expect(statuses.slice(0, 30).every((s) => s === 404)).toBe(true);
    expect(statuses[30]).toBe(429);
  });

  it('puts a complaint about the service in front of the operator, whose answer reaches the sender', async () => {
    const email = 'service-user@example.org';
    const sent = await submit({
      kind: 'complaint',
      name: 'A User',
      email,
      subject: 'Page too slow',
      body: 'The booking page took a minute.',
    });
    await new OperatorAuth(
      app.db,
      60_000,
      new RateLimit(app.redis, `${app.config.REDIS_PREFIX}o`, 10, 60),
    ).create({ email: 'ops@example.org', name: 'Ops', password: 'operator pass phrase' }, 10);
    const op = await app.api('POST', '/api/v1/operator/login', {
      body: { email: 'ops@example.org', password: 'operator pass phrase' },
    });
    const list = await app.api('GET', '/api/v1/operator/feedback', { token: op.body.token });
    const item = list.body.items.find((i: { reference: string }) => i.reference === sent.reference);
    expect(item).toMatchObject({ about: 'service', kind: 'complaint', status: 'new' });
    const answered = await app.api('POST', `/api/v1/operator/feedback/${item.id}/replies`, {
      token: op.body.token,
      body: { body: 'We added capacity; it now loads in two seconds.', status: 'in_progress' },
    });
    expect(answered.status).toBe(200);
    expect(answered.body.replies).toHaveLength(1);
    const reply = await mailTo(email, /Reply to your complaint/);
    expect(reply.text).toContain('the Confer service operator replied');
    expect(reply.text).toContain('We added capacity; it now loads in two seconds.');
    expect(reply.text).toContain('Status now: Being looked into.');
    const seen = await lookup(sent.reference, sent.secret);
    expect(seen.body).toMatchObject({
      about: 'service',
      answeredBy: 'the Confer service operator',
      status: 'in_progress',
      replies: [{ body: 'We added capacity; it now loads in two seconds.', statusTo: 'in_progress' }],
    });
    // A school's admin cannot answer it.
    const admin = await loginStaff(app, school.admin.email, PASSWORD);
    const refused = await app.api('POST', `/api/v1/admin/feedback/${item.id}/replies`, {
      token: admin,
      body: { body: 'Not mine to answer.' },
    });
    expect(refused.status).toBe(404);
  });
});

describe('a reply whose mail was never queued', () => {
  it('is found by the workers’ mail sweep and queued then', async () => {
    const { dueScheduledMail } = await import('../../server/src/features/mail/mail-sweep.ts');
    const sent = await submit({
      kind: 'feedback',
      schoolCode: 'STAT',
      name: 'B Parent',
      email: 'lost-reply@example.org',
      subject: 'Thanks',
      body: 'Went well.',
    });
    // As if Redis had been down when the reply was saved: the row, and no job.
    const { rows } = await app.db.query<{ id: string; reply_id: string }>(
      `WITH f AS (SELECT id FROM feedback WHERE reference = $1)
       INSERT INTO feedback_replies (feedback_id, author_kind, body, at)
       SELECT id, 'staff', 'Thank you!', now() - interval '5 minutes' FROM f
       RETURNING feedback_id AS id, id::text AS reply_id`,
      [sent.reference],
    );
    const due = await dueScheduledMail(app.db, { reminderHoursBefore: 24, teacherScheduleHour: 7 });
    expect(due).toContainEqual({
      kind: 'feedback-reply',
      feedbackId: rows[0]!.id,
      replyId: rows[0]!.reply_id,
    });
  });
});
