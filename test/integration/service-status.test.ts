import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceStatus } from '../../protocol/status.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { createDb, type Db } from '../../server/src/infra/db.ts';
import { createMailer } from '../../server/src/infra/mailer.ts';
import { type RunningWorkers, startWorkers } from '../../workers/start-workers.ts';
import { startStatusHeartbeat } from '../../workers/status-heartbeat.ts';
import type { WorkerContext } from '../../workers/worker-context.ts';
import { seedSmallSchool } from '../support/fixtures.ts';
import { type PrivateRedis, startPrivateRedis } from '../support/private-redis.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSmtp } from './workers-harness.ts';

// /status and GET /api/v1/status say which part of the service is down,
// to anyone, with nothing personal in them. Redis is a private one this file stops.
let redis: PrivateRedis;
let app: TestApp;
let school: SeededSchool;
let workersDb: Db;
let workers: RunningWorkers | null = null;

beforeAll(async () => {
  redis = await startPrivateRedis();
  app = await startTestApp({ REDIS_URL: redis.url, CIRCUIT_OPEN_MS: '300' });
  school = await seedSmallSchool(app);
  workersDb = createDb(app.database.url, 2);
}, 60_000);

afterAll(async () => {
  await workers?.close();
  await workersDb?.end();
  await app?.close();
  redis?.destroy();
});

async function status() {
  const res = await app.api('GET', '/api/v1/status');
  expect(res.status).toBe(200);
  return ServiceStatus.parse(res.body);
}

async function page() {
  const res = await fetch(`${app.url}/status`);
  expect(res.status).toBe(200);
  expect(res.headers.get('set-cookie')).toBeNull();
  const html = await res.text();
  expect(html).not.toContain('<script');
  return html;
}

/** The word the page shows in a component's state cell. */
function stateOn(html: string, component: string): string | undefined {
  return new RegExp(`data-component="${component}">([^<]+)<`).exec(html)?.[1];
}

describe('the service status', () => {
  it('says the workers are down when none has written a heartbeat', async () => {
    const s = await status();
    expect(s.components.database.state).toBe('up');
    expect(s.components.redis.state).toBe('up');
    expect(s.components.workers).toEqual({ state: 'down', lastSeenSeconds: null });
    expect(s.components.mail).toEqual({ state: 'unknown', lastAttemptSeconds: null });
    expect(s.overall).toBe('degraded');
    const html = await page();
    expect(stateOn(html, 'workers')).toBe('Not working');
    expect(stateOn(html, 'database')).toBe('Working');
  });

  it('sees the heartbeat of running workers, with its age', async () => {
    workers = await startWorkers({
      config: app.config,
      db: workersDb,
      logger: pino({ level: 'silent' }),
      mailer: createMailer('smtp://127.0.0.1:9', app.config.MAIL_FROM),
      only: [],
      holdSweep: false,
      outboxRelay: false,
    });
    const s = await status();
    expect(s.components.workers.state).toBe('up');
    expect(s.components.workers.lastSeenSeconds).toBeLessThanOrEqual(2);
    expect(s.overall).toBe('up');
    expect(stateOn(await page(), 'workers')).toBe('Working');
  });

  it('gives the outcome of the last message handed to the SMTP relay, accepted or refused, and no address', async () => {
    const smtp = await startSmtp();
    const ctx = {
      config: app.config,
      redis: app.redis,
      logger: pino({ level: 'silent' }),
      mailer: createMailer(smtp.url, app.config.MAIL_FROM),
    } as WorkerContext;
    const stop = await startStatusHeartbeat(ctx);
    const mail = (n: number) => ({
      to: 'parent@example.org',
      subject: 'Your appointments',
      text: 'hi',
      html: '<p>hi</p>',
      messageId: `<status-${n}@confer.test>`,
    });
    try {
      await ctx.mailer.send(mail(1));
      let s = await status();
      expect(s.components.mail).toEqual({ state: 'up', lastAttemptSeconds: 0 });
      smtp.refuse = true;
      await expect(ctx.mailer.send(mail(2))).rejects.toThrow();
      s = await status();
      expect(s.components.mail.state).toBe('down');
      expect(s.overall).toBe('degraded');
      expect(stateOn(await page(), 'e-mail')).toBe('Not working');
      expect(JSON.stringify(s)).not.toContain('example.org');
    } finally {
      await stop();
      ctx.mailer.close();
      await smtp.close();
    }
  });

  it('names no school, family or teacher', async () => {
    const text = JSON.stringify(await status()) + (await page());
    expect(text).not.toContain(school.schoolCode);
    expect(text).not.toContain(school.teachers[0]?.name);
    expect(text).not.toContain(school.families[0]?.surname);
  });

  it('reports Redis down at once while it is stopped, and up again when it is back', async () => {
    redis.kill();
    const started = Date.now();
    const s = await status();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(s.components.redis.state).toBe('down');
    expect(s.components.workers.state).toBe('unknown');
    expect(s.components.database.state).toBe('up');
    expect(s.overall).toBe('degraded');
    const html = await page();
    expect(stateOn(html, 'redis')).toBe('Not working');
    expect(stateOn(html, 'workers')).toBe('Not known just now');

    await redis.restart();
    const until = Date.now() + 10_000;
    let back = await status();
    while (back.components.redis.state !== 'up' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      back = await status();
    }
    expect(back.components.redis.state).toBe('up');
  }, 30_000);
});
