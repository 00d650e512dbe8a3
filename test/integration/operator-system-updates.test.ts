import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { OperatorAuth } from '../../server/src/features/operator/operator-auth.ts';
import { RateLimit } from '../../server/src/infra/rate-limit.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSmtp, startTestWorkers, type TestSmtp } from './workers-harness.ts';

/**
 * The system-update mail from the operator's screen: preview, send to the
 * admins who have not opted out (through the real worker and SMTP), and what was sent
 * as counts and dates read from the sent-log.
 */
let app: TestApp;
let smtp: TestSmtp;
let workers: RunningWorkers;
let a: SeededSchool;
let b: SeededSchool;
let operatorToken: string;

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ PUBLIC_URL: 'https://confer.example.org', SMTP_URL: smtp.url });
  workers = await startTestWorkers(app, { smtpUrl: smtp.url, only: ['email'] });
  a = await seedSmallSchool(app, { code: 'UPDA', name: 'Update School A' });
  b = await seedSmallSchool(app, { code: 'UPDB', name: 'Update School B' });
  // B's admin opted out: the update must not reach them.
  await app.db.query('UPDATE staff SET system_mail_opt_out_at = now() WHERE id = $1', [b.admin.id]);
  const auth = new OperatorAuth(
    app.db,
    60_000,
    new RateLimit(app.redis, `${app.config.REDIS_PREFIX}x`, 10, 60),
  );
  await auth.create(
    { email: 'ops-upd@example.org', name: 'Ops', password: 'a long operator passphrase' },
    10,
  );
  operatorToken = (
    await app.api('POST', '/api/v1/operator/login', {
      body: { email: 'ops-upd@example.org', password: 'a long operator passphrase' },
    })
  ).body.token;
});
afterAll(async () => {
  await workers.close();
  await app.close();
  await smtp.close();
});

const draft = { subject: 'Maintenance on Saturday', body: 'Confer is down from 06:00 to 07:00.' };

describe('the operator’s system-update mail', () => {
  it('only an operator token may preview, send or read; bad input is 400 and queues nothing', async () => {
    const adminToken = await loginStaff(app, a.admin.email, a.admin.password);
    for (const [method, path, body] of [
      ['POST', '/api/v1/operator/system-updates/preview', draft],
      ['POST', '/api/v1/operator/system-updates', draft],
      ['GET', '/api/v1/operator/system-updates', undefined],
    ] as const) {
      expect((await app.api(method, path, { body })).status, path).toBe(401);
      expect((await app.api(method, path, { token: adminToken, body })).status, path).toBe(403);
    }
    for (const bad of [
      { subject: '', body: 'x' },
      { subject: 'x', body: '   ' },
      { subject: 'x' },
      { ...draft, extra: 1 },
    ]) {
      const res = await app.api('POST', '/api/v1/operator/system-updates', {
        token: operatorToken,
        body: bad,
      });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    const unknown = await app.api('POST', '/api/v1/operator/system-updates', {
      token: operatorToken,
      body: { ...draft, schoolId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(unknown.status).toBe(404);
    const history = await app.api('GET', '/api/v1/operator/system-updates', { token: operatorToken });
    expect(history.body.updates).toEqual([]);
  });

  it('previews the mail as an admin gets it, with no real admin in it', async () => {
    const res = await app.api('POST', '/api/v1/operator/system-updates/preview', {
      token: operatorToken,
      body: draft,
    });
    expect(res.status).toBe(200);
    expect(res.body.subject).toBe('Confer update: Maintenance on Saturday');
    expect(res.body.text).toContain('Confer is down from 06:00 to 07:00.');
    expect(res.body.text).toContain('https://confer.example.org/mail/opt-out/');
    expect(res.body.html).toContain('Stop receiving these updates');
    expect(JSON.stringify(res.body)).not.toContain(a.admin.email);
    expect(smtp.messages).toHaveLength(0);
  });

  it('sends to the admins who have not opted out, and lists it with counts and dates, no addresses', async () => {
    const res = await app.api('POST', '/api/v1/operator/system-updates', {
      token: operatorToken,
      body: draft,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      updateId: expect.stringMatching(/^update-\d{4}-\d\d-\d\d-[0-9a-f]{6}$/),
      admins: 1,
    });
    const until = Date.now() + 15_000;
    let list: { updateId: string; sent: number; sending: number }[] = [];
    while (Date.now() < until) {
      list = (await app.api('GET', '/api/v1/operator/system-updates', { token: operatorToken })).body.updates;
      if (list[0]?.sent === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(list).toEqual([
      {
        updateId: res.body.updateId,
        sent: 1,
        sending: 0,
        firstSentAt: expect.any(String),
        lastSentAt: expect.any(String),
      },
    ]);
    const mails = smtp.messages.filter((m) => m.subject === 'Confer update: Maintenance on Saturday');
    expect(mails).toHaveLength(1);
    expect(JSON.stringify(mails[0]!.to)).toContain(a.admin.email);
    const raw = JSON.stringify(
      (await app.api('GET', '/api/v1/operator/system-updates', { token: operatorToken })).body,
    );
    expect(raw).not.toContain('@');
  });
});
