import { randomUUID } from 'node:crypto';
import { createServer, type Socket as NetSocket, type Server, connect as tcpConnect } from 'node:net';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Started, startServer } from '../../bench/processes.ts';
import type { SlotView } from '../../protocol/index.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { REDIS_URL } from '../support/env.ts';
import { loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { onSlotFact } from '../support/live-facts.ts';
import { type ClientSocket, startTestApp, type TestApp, testPrefix } from '../support/test-app.ts';

// Instances 1 and 2 run in this process; instance 3 is a real server process that
// gets SIGKILLed mid-storm. Clients reach them through a small TCP load balancer
// (WebSocket-only transport, so no sticky sessions are needed), which sends new
// connections to instance 3 while it lives and to the others once it is gone.
let database: TestDatabase;
let apps: TestApp[] = [];
let doomed: Started;
let balancer: Server;
let balancerUrl: string;
let school: SeededSchool;

function startBalancer(backends: () => number[]): Promise<Server> {
  const open = new Set<NetSocket>();
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    const tryBackend = (list: number[]) => {
      const port = list[0];
      if (port === undefined) return client.destroy();
      const upstream = tcpConnect(port, '127.0.0.1');
      upstream.once('error', () => {
        if (!upstream.readableEnded && upstream.bytesRead === 0 && upstream.bytesWritten === 0)
          tryBackend(list.slice(1));
        else client.destroy();
      });
      upstream.once('connect', () => {
        client.pipe(upstream).pipe(client);
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
      });
    };
    tryBackend(backends());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  database = await createTestDatabase();
  const prefix = testPrefix();
  apps = [await startTestApp({}, { database, prefix }), await startTestApp({}, { database, prefix })];
  school = await seedSmallSchool(apps[0]!, { families: 12, teachers: 4, teachersPerStudent: 3 });
  doomed = await startServer('doomed', {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    MIGRATE_ON_START: 'false',
    DATABASE_POOL_SIZE: '5',
  });
  const port = (url: string) => Number(new URL(url).port);
  let next = 0;
  balancer = await startBalancer(() => {
    const survivors = apps.map((a) => port(a.url));
    next++;
    return [port(doomed.url!), survivors[next % 2]!, survivors[(next + 1) % 2]!];
  });
  balancerUrl = `http://127.0.0.1:${(balancer.address() as { port: number }).port}`;
}, 60_000);

afterAll(async () => {
  balancer?.close();
  await doomed?.stop('SIGKILL');
  for (const app of apps) await app.close();
  await database?.drop();
});

interface Client {
  index: number;
  token: string;
  socket: ClientSocket;
  connects: number;
  /** Per-slot state by the version rule, rebuilt from a snapshot at every (re)connect. */
  state: Map<string, { state: string; version: number; teacherId: string }>;
  acked: { key: string; holdId: string; at: number }[];
}

async function startClient(index: number): Promise<Client> {
  const token = await loginFamily(apps[0]!, school, index);
  const socket: ClientSocket = connect(balancerUrl, {
    auth: { token },
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 300,
  });
  const client: Client = { index, token, socket, connects: 0, state: new Map(), acked: [] };
  onSlotFact(socket, (f) => {
    const known = client.state.get(f.slot.id);
    if (known && f.version > known.version)
      client.state.set(f.slot.id, { ...known, state: f.slot.state, version: f.version });
  });
  // The resync: after every connect, join again and take the snapshot as the truth.
  socket.on('connect', () => {
    client.connects++;
    socket.emit('event:join', { eventId: school.eventId }, (res) => {
      if (!res.ok) return;
      for (const s of res.data.slots) {
        const known = client.state.get(s.id);
        if (!known || s.version >= known.version)
          client.state.set(s.id, { state: s.state, version: s.version, teacherId: s.teacherId });
      }
    });
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  await expect.poll(() => client.state.size, { timeout: 10_000 }).toBeGreaterThan(0);
  return client;
}

/** Until the client's socket is connected again (or 5 s, after which the caller tries anyway). */
function reconnected(c: Client): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      c.socket.off('connect', done);
      resolve();
    };
    const timer = setTimeout(done, 5_000);
    c.socket.on('connect', done);
    if (c.socket.connected) done();
  });
}

/** A hold that survives a dead instance: on no answer, it is sent again with the same key. */
async function holdOnce(c: Client, slotId: string, studentId: string) {
  const key = randomUUID();
  for (let attempt = 0; attempt < 20; attempt++) {
    if (!c.socket.connected) {
      await reconnected(c);
      continue;
    }
    try {
      const res = await c.socket
        .timeout(1500)
        .emitWithAck('slot:hold', { slotId, studentId, idempotencyKey: key });
      if (res.ok) c.acked.push({ key, holdId: res.data.id, at: Date.now() });
      return res;
    } catch {
      // no answer: the instance may have died with the request; same key again
    }
  }
  throw new Error('no answer after 20 attempts');
}

describe('an instance killed mid-storm', () => {
  it('loses no booking; its clients reconnect to another instance and resync', async () => {
    const clients = await Promise.all(school.families.map((_, i) => startClient(i)));
    let stop = false;
    const storm = clients.map(async (c) => {
      const students = school.families[c.index]!.studentIds;
      while (!stop) {
        const studentId = students[Math.floor(Math.random() * students.length)]!;
        const teachers = school.students.find((s) => s.id === studentId)!.teacherIds;
        const free = [...c.state.entries()].filter(
          ([, s]) => s.state === 'free' && teachers.includes(s.teacherId),
        );
        if (free.length === 0) break;
        const [slotId] = free[Math.floor(Math.random() * Math.min(free.length, 4))]!;
        await holdOnce(c, slotId, studentId);
        // Let go now and then, so the storm does not run out of slots.
        if (c.acked.length > 0 && Math.random() < 0.5) {
          const last = c.acked[c.acked.length - 1]!;
          await c.socket
            .timeout(1500)
            .emitWithAck('hold:release', { holdId: last.holdId, idempotencyKey: randomUUID() })
            .catch(() => null);
        }
      }
    });
    // The storm is under way through the doomed instance: more holds answered than clients.
    await expect
      .poll(() => clients.reduce((n, c) => n + c.acked.length, 0), { timeout: 20_000 })
      .toBeGreaterThan(clients.length);
    const killedAt = Date.now();
    await doomed.stop('SIGKILL');
    // It goes on through the survivors: every client is back, and holds are answered again.
    await expect
      .poll(
        () =>
          clients.every((c) => c.connects >= 2 && c.socket.connected) &&
          clients.flatMap((c) => c.acked).some((a) => a.at > killedAt),
        { timeout: 20_000 },
      )
      .toBe(true);
    stop = true;
    await Promise.all(storm);

    // Everyone started on the doomed instance and came back through another one.
    expect(clients.every((c) => c.connects >= 2 && c.socket.connected)).toBe(true);
    // No booking lost: every hold a client was told about is in the database.
    const acked = clients.flatMap((c) => c.acked.map((a) => a.holdId));
    expect(acked.length).toBeGreaterThan(clients.length);
    // The storm went on through the survivors after the kill.
    expect(clients.flatMap((c) => c.acked).filter((a) => a.at > killedAt).length).toBeGreaterThan(0);
    const { rows } = await apps[0]!.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM bookings WHERE id = ANY($1::uuid[])',
      [acked],
    );
    expect(rows[0]!.n).toBe(new Set(acked).size);
    // One answer per key, however often it was sent.
    const { rows: dup } = await apps[0]!.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT slot_id FROM bookings WHERE status IN ('held', 'confirmed') GROUP BY slot_id HAVING count(*) > 1) d`,
    );
    expect(dup[0]!.n).toBe(0);

    // Resynced: each client's screen comes to show what the database says (the last
    // facts of the storm may still be on their way when it stops).
    for (const c of clients) {
      const truth = await apps[1]!.api('GET', `/api/v1/events/${school.eventId}/availability`, {
        token: c.token,
      });
      expect(truth.status).toBe(200);
      const mine = truth.body.slots.filter((s: SlotView) => c.state.has(s.id));
      expect(mine.length).toBe(c.state.size);
      await expect
        .poll(() => mine.map((s: any) => [s.id, c.state.get(s.id)!.state]), { timeout: 5_000 })
        .toEqual(mine.map((s: any) => [s.id, s.state]));
    }
    for (const c of clients) c.socket.disconnect();
  });
});
