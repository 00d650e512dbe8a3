import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIds, QUEUES } from '../../protocol/jobs.ts';
import { digest } from '../../server/src/features/auth/tokens.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { idleDuration } from '../../server/src/features/sessions/idle-timeout.ts';
import { bullPrefix } from '../../server/src/wiring/queues.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { ask, loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startTestWorkers, workerHooks } from './workers-harness.ts';

let app: TestApp;
let school: SeededSchool;
let workers: RunningWorkers;
let idleQueue: Queue;

beforeAll(async () => {
  // A 3-second idle time-out stands in for the default 20 minutes.
  app = await startTestApp({ SESSION_IDLE_MINUTES: '0.05' }, { hooks: workerHooks });
  school = await seedSmallSchool(app);
  workers = await startTestWorkers(app, { only: ['session-idle'] });
  idleQueue = new Queue(QUEUES.sessionIdle, {
    connection: app.redis,
    prefix: bullPrefix(app.config.REDIS_PREFIX),
  });
});
afterAll(async () => {
  await idleQueue?.close();
  await workers?.close();
  await app?.close();
});

async function sessionRow(token: string) {
  const me = await app.api('GET', '/api/v1/me', { token });
  return me;
}

describe('idle session time-out', () => {
  it('tells the user in their own words', () => {
    expect(idleDuration(20 * 60_000)).toBe('20 minutes');
    expect(idleDuration(60_000)).toBe('1 minute');
  });

  it('revokes an idle session and disconnects its socket with the reason; an active one stays', async () => {
    const idleToken = await loginFamily(app, school, 0);
    const activeToken = await loginFamily(app, school, 1);
    const idleSocket = await app.socket(idleToken);
    const activeSocket = await app.socket(activeToken);
    const ended: { reason: string; message: string }[] = [];
    const activeEnded: unknown[] = [];
    let idleDisconnected = false;
    idleSocket.on('session:ended', (e) => ended.push(e));
    idleSocket.on('disconnect', () => {
      idleDisconnected = true;
    });
    activeSocket.on('session:ended', (e) => activeEnded.push(e));

    const { rows: ids } = await app.db.query<{ id: string; family_id: string }>(
      'SELECT id, family_id FROM sessions WHERE revoked_at IS NULL',
    );
    const idleSessionId = ids.find((r) => r.family_id === school.families[0]!.id)!.id;
    const activeSessionId = ids.find((r) => r.family_id === school.families[1]!.id)!.id;

    // Keep one family busy (HTTP and socket) for well over the time-out.
    const started = Date.now();
    let i = 0;
    while (Date.now() - started < 8000) {
      const res =
        i++ % 2 === 0
          ? await sessionRow(activeToken)
          : { status: (await ask(activeSocket, 'event:join', { eventId: school.eventId })).ok ? 200 : 401 };
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 400));
    }

    await expect.poll(() => ended.length, { timeout: 5000 }).toBe(1);
    expect(ended[0]!.reason).toBe('idle_timeout');
    expect(ended[0]!.message).toMatch(/signed out after 3 seconds of inactivity/);
    await expect.poll(() => idleDisconnected, { timeout: 5000 }).toBe(true);
    expect((await sessionRow(idleToken)).status).toBe(401);
    const { rows } = await app.db.query(
      'SELECT id, revoked_at, revoked_reason FROM sessions WHERE id = ANY($1)',
      [[idleSessionId, activeSessionId]],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(idleSessionId)!.revoked_reason).toBe('idle_timeout');
    expect(byId.get(activeSessionId)!.revoked_at).toBeNull();
    expect(activeEnded).toEqual([]);
    expect(activeSocket.connected).toBe(true);
    expect((await sessionRow(activeToken)).status).toBe(200);
    // Its cached copy is gone too; the busy one's is there.
    expect(await app.redis.exists(`${app.config.REDIS_PREFIX}sess:${digest(idleToken)}`)).toBe(0);
    expect(await app.redis.exists(`${app.config.REDIS_PREFIX}sess:${digest(activeToken)}`)).toBe(1);

    // One pending check per live session, however much activity there was.
    const pending = await idleQueue.getJobs(['delayed', 'waiting', 'active']);
    expect(pending.map((j) => j.id)).toEqual([jobIds.sessionIdle(activeSessionId)]);
  });
});
