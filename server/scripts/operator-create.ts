// Creates (or resets) an operator account: npm run operator:create -- --email a@b.org --name "Ops"
// The password is read from OPERATOR_PASSWORD, else from standard input (one line),
// so it never appears in the shell history or the process list.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { OperatorAuth } from '../src/features/operator/operator-auth.ts';
import { createDb } from '../src/infra/db.ts';
import { ensureDatabase, migrate } from '../src/infra/migrate.ts';
import { RateLimit } from '../src/infra/rate-limit.ts';
import { createRedis } from '../src/infra/redis.ts';
import { DomainError } from '../src/refusals/domain-error.ts';

const { values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' } } });
if (!values.email) {
  console.error(
    'Usage: npm run operator:create -- --email <address> [--name <name>]  (password: OPERATOR_PASSWORD or stdin)',
  );
  process.exit(2);
}
let password = process.env.OPERATOR_PASSWORD ?? '';
if (!password) {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  password = (await rl.question('Password: ')).trim();
  rl.close();
}
const config = loadConfig();
await ensureDatabase(config.DATABASE_URL);
await migrate(config.DATABASE_URL);
const db = createDb(config.DATABASE_URL, 2);
const redis = createRedis(config.REDIS_URL);
try {
  const auth = new OperatorAuth(
    db,
    60_000,
    new RateLimit(redis, `${config.REDIS_PREFIX}rl:operator`, 10, 60),
  );
  const op = await auth.create(
    { email: values.email, name: values.name ?? values.email, password },
    config.PASSWORD_MIN_LENGTH,
  );
  console.log(`Operator ${op.email} is ready (id ${op.id}).`);
} catch (err) {
  console.error(err instanceof DomainError ? `Refused: ${err.message}` : err);
  process.exitCode = 1;
} finally {
  await db.end();
  redis.disconnect();
}
