import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './processes.ts';
import { formatTable } from './report.ts';
import {
  DEFAULT_BEHAVIOUR,
  DEFAULT_CAPACITY,
  defaultOptions,
  HUMAN_BEHAVIOUR,
  type Profile,
  runOpeningNight,
  teachersFor,
} from './run-opening-night.ts';

// `npm run bench [-- --profile human|capacity|overload --parents 5000 …]`: the
// opening-night benchmark (docs/scale-out.md). Prints a table and writes
// bench/results/<time>-<profile>-<parents>p.json, whose `summary` compares across commits.
const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'human' },
    parents: { type: 'string', default: '2000' },
    teachers: { type: 'string' },
    instances: { type: 'string', default: '1' },
    'pool-size': { type: 'string', default: '20' },
    pin: { type: 'boolean', default: os.cpus().length >= 2 },
    'no-pin': { type: 'boolean', default: false },
    // human
    'burst-seconds': { type: 'string', default: '10' },
    'arrival-seconds': { type: 'string', default: '170' },
    // human and overload
    'think-ms': { type: 'string' },
    'reaction-ms': { type: 'string' },
    'http-share': { type: 'string', default: '0.2' },
    // capacity
    steps: { type: 'string', default: DEFAULT_CAPACITY.rates.join(',') },
    'step-seconds': { type: 'string', default: String(DEFAULT_CAPACITY.stepSeconds) },
    'all-steps': { type: 'boolean', default: false },
    // overload
    knee: { type: 'string' },
    'admission-rate': { type: 'string' },
    'admission-burst': { type: 'string' },
    'no-workers': { type: 'boolean', default: false },
  },
});
const profile = values.profile as Profile;
if (!['human', 'capacity', 'overload'].includes(profile)) {
  console.error('--profile must be human, capacity or overload');
  process.exit(2);
}
const parents = Number(values.parents);
if (!Number.isInteger(parents) || parents < 1 || parents > 10_000) {
  console.error('--parents must be between 1 and 10000');
  process.exit(2);
}
const rates = values.steps.split(',').map(Number);
if (rates.some((r) => !(r > 0))) {
  console.error('--steps must be bookings/s separated by commas, e.g. 50,100,200');
  process.exit(2);
}
const env: Record<string, string> = {};
if (values['admission-rate']) env.ADMISSION_RATE = values['admission-rate'];
if (values['admission-burst']) env.ADMISSION_BURST = values['admission-burst'];
const dir = path.join(ROOT, 'bench/results');

/** The knee of the latest capacity result kept in bench/results, for the overload profile. */
async function latestKnee(): Promise<number | null> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  for (const f of files.reverse()) {
    try {
      const r = JSON.parse(await readFile(path.join(dir, f), 'utf8'));
      if (r.summary?.profile === 'capacity' && typeof r.summary.kneeBookingsPerSecond === 'number')
        return r.summary.kneeBookingsPerSecond;
    } catch {
      // not a result
    }
  }
  return null;
}

const base = profile === 'human' ? HUMAN_BEHAVIOUR : DEFAULT_BEHAVIOUR;
const knee = values.knee ? Number(values.knee) : profile === 'overload' ? await latestKnee() : null;
if (profile === 'overload')
  console.log(`· knee: ${knee ?? 'unknown (run --profile capacity or pass --knee)'}`);
const result = await runOpeningNight(
  defaultOptions({
    profile,
    parents,
    teachers: values.teachers ? Number(values.teachers) : teachersFor(parents),
    instances: Number(values.instances),
    poolSize: Number(values['pool-size']),
    httpShare: Number(values['http-share']),
    pin: values.pin && !values['no-pin'],
    arrival: {
      burstSeconds: Number(values['burst-seconds']),
      spreadSeconds: Number(values['arrival-seconds']),
    },
    capacity: { rates, stepSeconds: Number(values['step-seconds']), allSteps: values['all-steps'] },
    knee,
    behaviour: {
      ...base,
      thinkMs: values['think-ms'] ? Number(values['think-ms']) : base.thinkMs,
      reactionMs: values['reaction-ms'] ? Number(values['reaction-ms']) : base.reactionMs,
    },
    pgAdminUrl: process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    env,
    workers: !values['no-workers'],
    log: (line) => console.log(`· ${line}`),
  }),
);
await mkdir(dir, { recursive: true });
const file = path.join(dir, `${result.at.replace(/[:.]/g, '-')}-${profile}-${parents}p.json`);
await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\n${formatTable(result)}\n\nJSON: ${path.relative(process.cwd(), file)}`);
process.exit(0);
