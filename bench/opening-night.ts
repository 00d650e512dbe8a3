import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './processes.ts';
import { formatTable } from './report.ts';
import { DEFAULT_BEHAVIOUR, defaultOptions, runOpeningNight } from './run-opening-night.ts';

// `npm run bench [-- --parents 5000 --teachers 60 --instances 2]`: the opening-night
// benchmark. Prints a table and writes bench/results/<time>-<parents>p.json.
const { values } = parseArgs({
  options: {
    parents: { type: 'string', default: '2000' },
    teachers: { type: 'string', default: '60' },
    instances: { type: 'string', default: '1' },
    'pool-size': { type: 'string', default: '20' },
    'think-ms': { type: 'string', default: String(DEFAULT_BEHAVIOUR.thinkMs) },
    'reaction-ms': { type: 'string', default: String(DEFAULT_BEHAVIOUR.reactionMs) },
    'http-share': { type: 'string', default: '0.2' },
    'admission-rate': { type: 'string' },
    'admission-burst': { type: 'string' },
    'no-workers': { type: 'boolean', default: false },
  },
});
const parents = Number(values.parents);
if (!Number.isInteger(parents) || parents < 1 || parents > 10_000) {
  console.error('--parents must be between 1 and 10000');
  process.exit(2);
}
const env: Record<string, string> = {};
if (values['admission-rate']) env.ADMISSION_RATE = values['admission-rate'];
if (values['admission-burst']) env.ADMISSION_BURST = values['admission-burst'];

const result = await runOpeningNight(
  defaultOptions({
    parents,
    teachers: Number(values.teachers),
    instances: Number(values.instances),
    poolSize: Number(values['pool-size']),
    httpShare: Number(values['http-share']),
    behaviour: {
      ...DEFAULT_BEHAVIOUR,
      thinkMs: Number(values['think-ms']),
      reactionMs: Number(values['reaction-ms']),
    },
    pgAdminUrl: process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    env,
    workers: !values['no-workers'],
    log: (line) => console.log(`· ${line}`),
  }),
);
const dir = path.join(ROOT, 'bench/results');
await mkdir(dir, { recursive: true });
const file = path.join(dir, `${result.at.replace(/[:.]/g, '-')}-${parents}p.json`);
await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\n${formatTable(result)}\n\nJSON: ${path.relative(process.cwd(), file)}`);
process.exit(0);
