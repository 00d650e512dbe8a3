import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailJob, QUEUES } from '../../protocol/jobs.ts';
import { normaliseAccessCode } from '../../server/src/features/auth/tokens.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { emailKey } from '../../server/src/features/mail/email-keys.ts';
import { enqueueEmails } from '../../server/src/features/mail/mail-queue.ts';
import { createMailer } from '../../server/src/infra/mailer.ts';
import { bullPrefix } from '../../server/src/wiring/queues.ts';
import { type RunningWorkers, startWorkers } from '../../workers/start-workers.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { settled, startSmtp, type TestSmtp } from './workers-harness.ts';

// Issue 13, finding 5: e-mail jobs in Redis and the workers' log carry ids, never an
// access code, a link token or a digest of either; stored codes are keyed digests.
let app: TestApp;
let school: SeededSchool;
let smtp: TestSmtp;
let workers: RunningWorkers | null = null;
let queue: Queue<EmailJob>;
let admin: string;
const logLines: string[] = [];

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ EMAIL_BACKOFF_MS: '100' });
  school = await seedSmallSchool(app);
  admin = await loginStaff(app, school.admin.email);
  queue = new Queue(QUEUES.email, { connection: app.redis, prefix: bullPrefix(app.config.REDIS_PREFIX) });
});
afterAll(async () => {
  await queue?.close();
  await workers?.close();
  await app?.close();
  await smtp?.close();
});

/** The workers, started only once the test has looked at the queued jobs; every log line kept. */
async function startCapturedWorkers(): Promise<void> {
  if (workers) return;
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const config = { ...app.config, SMTP_URL: smtp.url, PUBLIC_URL: app.url };
  workers = await startWorkers({
    config,
    db: app.db,
    logger: pino({ level: 'trace' }, sink),
    mailer: createMailer(config.SMTP_URL, config.MAIL_FROM),
    only: ['email'],
  });
}

/** Every form in which a secret could sit in Redis or a log. */
function formsOf(secret: string): string[] {
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const forms = [secret, encodeURIComponent(secret), sha(secret), sha(secret).slice(0, 16)];
  if (/^[A-Z0-9]{5}-[A-Z0-9]{5}$/.test(secret)) {
    const n = normaliseAccessCode(secret);
    forms.push(n, sha(n), sha(`access:${n}`), sha(`access:${n}`).slice(0, 16));
  }
  return forms;
}

/** Everything under this test's Redis prefix, values included (strings, hashes, lists, sets, sorted sets, streams). */
async function redisDump(): Promise<string> {
  const r = app.redis;
  const keys = await r.keys(`${app.config.REDIS_PREFIX}*`);
  const parts: string[] = [];
  for (const key of keys) {
    const type = await r.type(key);
    const value =
      type === 'string'
        ? await r.get(key)
        : type === 'hash'
          ? await r.hgetall(key)
          : type === 'list'
            ? await r.lrange(key, 0, -1)
            : type === 'set'
              ? await r.smembers(key)
              : type === 'zset'
                ? await r.zrange(key, 0, -1)
                : type === 'stream'
                  ? await r.xrange(key, '-', '+')
                  : null;
    parts.push(key, JSON.stringify(value));
  }
  return parts.join('\n');
}

function expectNoSecret(haystack: string, secret: string, where: string) {
  for (const form of formsOf(secret)) expect(haystack.includes(form), `${where} holds ${form}`).toBe(false);
}

describe('secrets at rest', () => {
  it('an access-code mail job carries ids only; the worker renders the code at send time and logs none of it', async () => {
    const fam = school.families.find((f) => f.email)!;
    const answer = await app.api('POST', '/api/v1/admin/access-codes/email', {
      token: admin,
      body: { familyIds: [fam.id] },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.queued).toBe(1);
    const [job] = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
    expect(job?.data).toMatchObject({ kind: 'access-code', familyId: fam.id });

    await startCapturedWorkers();
    const { state, job: done } = await settled(queue, job!.id!);
    expect(state).toBe('completed');
    expect(done.returnvalue).toBe('sent');
    const mail = smtp.messages.find((m) => m.subject?.includes('access code'))!;
    const code = /Access code: ([A-Z0-9]{5}-[A-Z0-9]{5})/.exec(mail.text ?? '')![1]!;

    // The mailed code is the family's working code …
    const login = await app.api('POST', '/api/v1/auth/family/login', {
      body: { schoolCode: school.schoolCode, surname: fam.surname, accessCode: code },
    });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    // … and nothing of it was in the job (data or id), anywhere in Redis, or in a log line.
    expectNoSecret(`${job!.id} ${JSON.stringify(job!.data)}`, code, 'the queued job');
    expectNoSecret(await redisDump(), code, 'Redis');
    expect(logLines.some((l) => l.includes(job!.id!))).toBe(true);
    expectNoSecret(logLines.join(''), code, 'the workers log');
    // Once sent, the sealed copy is gone: the database keeps only the keyed digest.
    const { rows } = await app.db.query(
      'SELECT access_code_sealed, access_code_mail_id FROM families WHERE id = $1',
      [fam.id],
    );
    expect(rows[0]).toEqual({ access_code_sealed: null, access_code_mail_id: null });
  });

  it('an invitation mail job carries the link id, not its token', async () => {
    await workers?.close();
    workers = null;
    const invited = await app.api('POST', '/api/v1/admin/staff-accounts', {
      token: admin,
      body: { email: 'new.teacher@school.test', firstName: 'Nia', surname: 'Jones' },
    });
    expect(invited.status, JSON.stringify(invited.body)).toBe(200);
    const waiting = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
    const job = waiting.find((j) => j.data.kind === 'staff-invitation')!;
    expect(job).toBeDefined();

    await startCapturedWorkers();
    expect((await settled(queue, job.id!)).job.returnvalue).toBe('sent');
    const mail = smtp.messages.find((m) => m.to && JSON.stringify(m.to).includes('new.teacher@school.test'))!;
    const token = decodeURIComponent(/token=([^\s"&]+)/.exec(mail.text ?? '')![1]!);
    expectNoSecret(`${job.id} ${JSON.stringify(job.data)}`, token, 'the queued job');
    expectNoSecret(await redisDump(), token, 'Redis');
    expectNoSecret(logLines.join(''), token, 'the workers log');
    // The mailed link works, once.
    const set = await app.api('POST', '/api/v1/auth/password', {
      body: { token, password: 'a long and new passphrase 7' },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
  });

  it('a finished mail job keeps no text', async () => {
    await startCapturedWorkers();
    const fam = school.families.find((f) => f.email)!;
    const notice: EmailJob = {
      kind: 'family-notice',
      eventId: school.eventId,
      familyId: fam.id,
      noticeId: 'late-1',
      subject: 'Mr Hill is running late',
      body: `Dear ${fam.surname} family, Mr Hill is running 15 minutes late.`,
    };
    await enqueueEmails(queue, [notice], { attempts: 2, backoffMs: 100 });
    const { state, job } = await settled(queue, emailKey(notice));
    expect(state).toBe('completed');
    const kept = JSON.stringify(job.data);
    expect(kept).not.toContain('running late');
    expect(kept).not.toContain(fam.surname);
    expect(job.data).toMatchObject({ kind: 'family-notice', familyId: fam.id });
  });

  it('stores access codes as keyed digests; an old unkeyed digest still signs in once and is then replaced', async () => {
    const fam = school.families[0]!;
    const issued = await app.api('POST', '/api/v1/admin/access-codes', {
      token: admin,
      body: { familyIds: [fam.id] },
    });
    expect(issued.status).toBe(200);
    const code = issued.body.codes[0].accessCode as string;
    const n = normaliseAccessCode(code);
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    // A dump of the table and the SHA-256 of a known code: no row matches.
    const { rows } = await app.db.query<{ h: string }>('SELECT access_code_hash AS h FROM families');
    const dump = rows.map((r) => r.h).join('\n');
    for (const guess of [sha(`access:${n}`), sha(n), sha(code)]) expect(dump).not.toContain(guess);
    const login = (accessCode: string) =>
      app.api('POST', '/api/v1/auth/family/login', {
        body: { schoolCode: school.schoolCode, surname: fam.surname, accessCode },
      });
    expect((await login(code.toLowerCase())).status).toBe(200);

    // A code from before migration 017, as the migration marks it.
    const legacy = 'QRSTU-VWXYZ';
    await app.db.query('UPDATE families SET access_code_hash = $2 WHERE id = $1', [
      fam.id,
      `sha256:${sha(`access:${normaliseAccessCode(legacy)}`)}`,
    ]);
    expect((await login(legacy)).status).toBe(200);
    const after = await app.db.query<{ h: string }>(
      'SELECT access_code_hash AS h FROM families WHERE id = $1',
      [fam.id],
    );
    expect(after.rows[0]!.h).not.toMatch(/^sha256:/);
    expect((await login(legacy)).status).toBe(200);
    expect((await login(code)).status).toBe(401);
  });
});
