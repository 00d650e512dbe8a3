import { afterAll, describe, expect, it } from 'vitest';
import { ask, loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startPrivateRedis } from '../support/private-redis.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let app: TestApp | undefined;
let redis: Awaited<ReturnType<typeof startPrivateRedis>> | undefined;
afterAll(async () => {
  await app?.close();
  redis?.kill();
});

describe('when Redis comes back', () => {
  it('a socket that stayed connected is told to take a fresh snapshot', async () => {
    redis = await startPrivateRedis();
    app = await startTestApp({ REDIS_URL: redis.url });
    const school = await seedSmallSchool(app);
    const socket = await app.socket(await loginFamily(app, school, 0));
    expect((await ask(socket, 'event:join', { eventId: school.eventId })).ok).toBe(true);
    const told: unknown[] = [];
    // The status watch also sends `service_changed` when it sees Redis go and come back.
    socket.on('event:resync', (p) => {
      if (p.reason === 'redis_reconnected') told.push(p);
    });

    redis.kill();
    await new Promise((r) => setTimeout(r, 500));
    expect(socket.connected).toBe(true);
    expect(told).toEqual([]);
    await redis.restart();
    await expect.poll(() => told, { timeout: 10_000 }).toEqual([{ reason: 'redis_reconnected' }]);
    // And the snapshot it then asks for is served.
    expect((await ask(socket, 'event:join', { eventId: school.eventId })).ok).toBe(true);
  });
});
