import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Principal } from '../server/src/features/auth/principal.ts';
import { BookingService } from '../server/src/features/booking/booking.service.ts';
import { seedSchool } from '../server/src/features/demo/demo-seed.ts';
import { Publisher } from '../server/src/features/live/publisher.ts';
import { createDb } from '../server/src/infra/db.ts';
import { migrate } from '../server/src/infra/migrate.ts';
import { round, Samples } from './latency.ts';

// `npm run bench:hold-path`: what one hold costs on the write path alone — no sockets,
// no HTTP, no Redis — through the real BookingService and PostgreSQL. Prints latency
// at concurrency 1 and N, holds/s, and CPU per hold split between this process and
// PostgreSQL's backends (read from /proc), so a change to the path shows where it saved.
const { values } = parseArgs({
  options: {
    holds: { type: 'string', default: '1500' },
    concurrency: { type: 'string', default: '20' },
  },
});
const holdsWanted = Number(values.holds);
const concurrency = Number(values.concurrency);
const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `confer_holdpath_${randomBytes(4).toString('hex')}`;

const ticks = () => {
  // utime+stime of every postgres process, in clock ticks (100/s on Linux).
  let sum = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!name.startsWith('postgres')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return sum;
};

const adminClient = new pg.Client({ connectionString: admin });
await adminClient.connect();
await adminClient.query(`CREATE DATABASE ${dbName}`);
const url = admin.replace(/\/postgres$/, `/${dbName}`);
const db = createDb(url, Math.max(concurrency, 2));
try {
  await migrate(url);
  const school = await seedSchool(db, {
    code: 'HOLDPATH',
    name: 'Hold path',
    timeZone: 'Europe/London',
    teachers: 60,
    families: 3000,
    teachersPerStudent: 6,
    siblingShare: 0,
    slotMinutes: 5,
    gapMinutes: 0,
    maxPerStudent: 6,
    holdSeconds: 600,
    from: '16:00',
    to: '20:00',
    opensInMinutes: -1,
    password: 'hold-path-bench-pw',
  });
  const { rows: slots } = await db.query<{ id: string; staff_id: string }>(
    'SELECT id, staff_id FROM slots WHERE event_id = $1 ORDER BY starts_at, id',
    [school.eventId],
  );
  const slotsByTeacher = new Map<string, string[]>();
  for (const s of slots) {
    const list = slotsByTeacher.get(s.staff_id) ?? [];
    if (list.length === 0) slotsByTeacher.set(s.staff_id, list);
    list.push(s.id);
  }
  // Each family holds a free slot of one of its child's teachers: distinct slots, so the
  // figures are the winners' path (losers are answered by the Redis lock before this).
  const work: { p: Principal; slotId: string; studentId: string }[] = [];
  const student = new Map(school.students.map((s) => [s.id, s]));
  for (const f of school.families) {
    const sid = f.studentIds[0]!;
    for (const t of student.get(sid)!.teacherIds) {
      const free = slotsByTeacher.get(t)!;
      if (free.length === 0) continue;
      work.push({
        p: { kind: 'family', sessionId: randomUUID(), schoolId: school.schoolId, familyId: f.id },
        slotId: free.shift()!,
        studentId: sid,
      });
      break;
    }
    if (work.length >= holdsWanted) break;
  }
  const noBroadcast = {
    to: () => noBroadcast,
    except: () => noBroadcast,
    emit: () => true,
    in: () => ({ disconnectSockets() {} }),
  };
  const booking = new BookingService({
    db,
    slotLock: null,
    publisher: new Publisher(noBroadcast as never, () => {}),
    holdExpiry: { schedule: async () => {} },
  });

  const run = async (items: typeof work, lanes: number) => {
    const samples = new Samples();
    let next = 0;
    let refused = 0;
    const cpu0 = process.cpuUsage();
    const pg0 = ticks();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < items.length) {
          const w = items[next++]!;
          const s = performance.now();
          const r = await booking.hold(
            w.p,
            { slotId: w.slotId, studentId: w.studentId },
            { key: randomUUID() },
          );
          samples.add(performance.now() - s);
          if (!r.ok) refused++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const pgMs = (ticks() - pg0) * 10;
    const n = items.length;
    return {
      lanes,
      holds: n,
      refused,
      holdsPerSecond: round(n / seconds),
      latency: samples.summary(),
      nodeCpuMsPerHold: round((cpu.user + cpu.system) / 1000 / n, 2),
      postgresCpuMsPerHold: round(pgMs / n, 2),
    };
  };
  const third = Math.floor(work.length / 3);
  await run(work.slice(0, 50), 1); // warm-up: connections, plans, JIT
  const sequential = await run(work.slice(50, third), 1);
  const concurrent = await run(work.slice(third), concurrency);
  console.log(JSON.stringify({ sequential, concurrent }, null, 2));
} finally {
  await db.end();
  await adminClient.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await adminClient.end();
}
