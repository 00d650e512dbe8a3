import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * Time-outs of the calls to PostgreSQL and Redis. Named here so that the infra
 * factories (createDb, createRedis) fall back to the same figures when a script
 * builds them without a parsed configuration.
 */
export const DEPENDENCY_DEFAULTS = {
  DATABASE_CONNECT_TIMEOUT_MS: 5000,
  // Ten seconds leaves the reports, imports and retention sweeps room; a hold or a
  // confirmation is one statement of a few milliseconds.
  DATABASE_STATEMENT_TIMEOUT_MS: 10_000,
  // In the rush a hold waits on its slot's row lock behind a few milliseconds' work.
  DATABASE_LOCK_TIMEOUT_MS: 3000,
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: 10_000,
  // Beyond the statement time-out: the server's own time-out answers first when it can.
  DATABASE_QUERY_TIMEOUT_MS: 12_000,
  DATABASE_PROBE_INTERVAL_MS: 250,
  // 750, not less: on a loaded machine (two cores saturated at 19:00) a 500 ms probe
  // missed twice with PostgreSQL alive, and the open circuit refused every request
  // for a second (the chaos run's joins answered `unavailable` before any fault).
  DATABASE_PROBE_TIMEOUT_MS: 750,
  REDIS_COMMAND_TIMEOUT_MS: 500,
  CIRCUIT_OPEN_MS: 1000,
} as const;

/** Known to everyone who reads this file: a production start refuses it. */
export const DEVELOPMENT_SERVER_SECRET = 'confer-development-secret-not-for-production';

/** Every setting Confer reads from the environment, parsed once at start-up. */
const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/confer'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  // ---- dependency time-outs: fail fast with 503, never hang ----
  /** Longest wait for a pooled connection (a new one, or a busy pool's next free one). */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(DEPENDENCY_DEFAULTS.DATABASE_CONNECT_TIMEOUT_MS),
  /** PostgreSQL ends any statement running longer (reports and imports included). */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(DEPENDENCY_DEFAULTS.DATABASE_STATEMENT_TIMEOUT_MS),
  /** PostgreSQL gives up waiting for a row lock after this long. */
  DATABASE_LOCK_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(10)
    .default(DEPENDENCY_DEFAULTS.DATABASE_LOCK_TIMEOUT_MS),
  /** PostgreSQL ends a session left idle inside a transaction this long. */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(DEPENDENCY_DEFAULTS.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS),
  /** The client stops waiting for an answer after this long (a frozen server answers nothing). */
  DATABASE_QUERY_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(DEPENDENCY_DEFAULTS.DATABASE_QUERY_TIMEOUT_MS),
  /** Heartbeat to PostgreSQL (its own connection) that opens the circuit when it goes unanswered. */
  DATABASE_PROBE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(50)
    .default(DEPENDENCY_DEFAULTS.DATABASE_PROBE_INTERVAL_MS),
  DATABASE_PROBE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(50)
    .default(DEPENDENCY_DEFAULTS.DATABASE_PROBE_TIMEOUT_MS),
  /** A Redis command not answered in this long fails (the caller goes on without Redis or answers 503). */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(50)
    .default(DEPENDENCY_DEFAULTS.REDIS_COMMAND_TIMEOUT_MS),
  /** How long a dependency's circuit stays open (refusing at once) before a probe; also the Retry-After. */
  CIRCUIT_OPEN_MS: z.coerce.number().int().min(100).default(DEPENDENCY_DEFAULTS.CIRCUIT_OPEN_MS),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /** Prefix for every Redis key and BullMQ queue of this deployment (tests use one per file). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w:-]*$/)
    .default('confer:'),
  HOLD_SECONDS: z.coerce.number().int().min(10).max(3600).default(120),
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .min(0.05)
    .max(24 * 60)
    .default(20),
  SLOT_LOCK_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
  /** Connections the kernel may queue for this server to accept (capped by net.core.somaxconn). */
  HTTP_BACKLOG: z.coerce.number().int().min(1).max(65_535).default(4096),
  /** Per-screen coalescing window for live slot facts (protocol/socket-events.ts); 0 sends every fact at once. */
  LIVE_COALESCE_MS: z.coerce.number().int().min(0).max(2000).default(100),
  /** Socket messages of live facts an instance sends per second at most; the window stretches to keep to it (0: no budget). */
  LIVE_MESSAGES_PER_SECOND: z.coerce.number().int().min(0).default(20_000),
  /** Turns the Redis fast path off; the database constraints still decide. */
  SLOT_LOCK_ENABLED: bool.default(true),
  /**
   * Unsuccessful sign-ins to one account from one address before each further attempt
   * waits 1 s, 2 s, 4 s, … up to LOGIN_MAX_DELAY_SECONDS; never a lock-out. (The
   * operator's sign-in still counts it per account.)
   */
  LOGIN_ATTEMPTS_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  /** Failed sign-ins per address per window (successes do not count); then 429 until the window ends. */
  LOGIN_ATTEMPTS_PER_ADDRESS: z.coerce.number().int().min(1).default(100),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  LOGIN_MAX_DELAY_SECONDS: z.coerce.number().int().min(1).default(300),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i)
    .default('32kb'),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Apply pending migrations when the server starts. */
  MIGRATE_ON_START: bool.default(true),
  // ---- schools: staff accounts, imports, feedback, statistics ----
  /** Shortest staff or operator password accepted (and never one of the common ones). */
  PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(128).default(10),
  /** How long an invitation link to set a password stays usable. */
  INVITE_LINK_HOURS: z.coerce
    .number()
    .min(0.01)
    .max(24 * 30)
    .default(72),
  /** How long a password-reset link stays usable. */
  RESET_LINK_MINUTES: z.coerce
    .number()
    .min(1)
    .max(24 * 60)
    .default(60),
  /** Largest CSV import accepted (10,000 rows are well under 2 MB). */
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  /** Wall time a CSV file may take to be checked on a CPU worker before that worker is replaced (503). */
  IMPORT_TIME_LIMIT_MS: z.coerce.number().int().min(1000).default(30_000),
  // ---- bounded work: CPU-bound requests run on worker threads ----
  /** Worker threads for CPU-bound work (itinerary planning, CSV checks); 0 = one less than the cores, at least 2 (so a plan need not wait for an import). */
  CPU_WORKERS: z.coerce.number().int().min(0).max(32).default(0),
  /** Tasks that may wait for a busy worker; beyond it the answer is 503 unavailable at once. */
  CPU_QUEUE_LIMIT: z.coerce.number().int().min(0).default(16),
  /** Heap of each CPU worker (MB): a task that balloons fails alone. */
  CPU_WORKER_HEAP_MB: z.coerce.number().int().min(64).default(512),
  /** The itinerary planner answers with its best plan by this time (from the request's arrival at the pool). */
  PLANNER_DEADLINE_MS: z.coerce.number().int().min(10).max(10_000).default(250),
  /** Imports (including refused ones) per school per hour. */
  IMPORTS_PER_HOUR: z.coerce.number().int().min(1).default(60),
  /** Feedback messages per sender (account, or address for the public form) per hour. */
  FEEDBACK_PER_HOUR: z.coerce.number().int().min(1).default(10),
  /** Acknowledgements mailed to one address per day, whoever sends (beyond it the feedback is kept, not acknowledged). */
  FEEDBACK_ACKS_PER_RECIPIENT_PER_DAY: z.coerce.number().int().min(1).default(3),
  /** Anonymous page views counted per address per minute on each instance (beyond it: 429, not counted). */
  PAGE_VIEWS_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  PUBLIC_URL: z.url().optional(),
  /**
   * The one secret the server and the workers share; the keys of access-code digests and
   * of secrets waiting for their mail are derived from it (infra/server-keys.ts). Changing
   * it invalidates every family's access code and every unsent code or link mail.
   * Production must set its own (productionProblems); tests and the demo use the default.
   */
  SERVER_SECRET: z.string().min(32).default(DEVELOPMENT_SERVER_SECRET),
  /** Behind a reverse proxy: how many hops to trust for the client address (rate limits). */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  /** Outgoing mail goes to this SMTP server (the school's relay; Mailpit in docker-compose). */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//)
    .default('smtp://127.0.0.1:1025'),
  MAIL_FROM: z.string().min(3).default('Confer <no-reply@confer.local>'),
  /** A family's reminder goes out this long before its first appointment. */
  REMINDER_HOURS_BEFORE: z.coerce
    .number()
    .min(0.1)
    .max(24 * 14)
    .default(24),
  /** Teachers get the day's schedule at this school-local hour on the day. */
  TEACHER_SCHEDULE_HOUR: z.coerce.number().int().min(0).max(23).default(7),
  /** How often the workers look for due reminders and schedules. */
  MAIL_SWEEP_MINUTES: z.coerce
    .number()
    .min(0.05)
    .max(24 * 60)
    .default(5),
  EMAIL_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  /** First retry delay of an e-mail; each further retry waits twice as long. */
  EMAIL_BACKOFF_MS: z.coerce.number().int().min(10).default(5000),
  /** Events are archived (read-only) this many days after they end. */
  ARCHIVE_AFTER_DAYS: z.coerce.number().min(0).max(3650).default(30),
  RETENTION_SWEEP_MINUTES: z.coerce
    .number()
    .min(0.05)
    .max(24 * 60)
    .default(60),
  HOLD_EXPIRY_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(20),
  /**
   * How often the workers end lapsed holds found in the database. The delayed expiry
   * jobs live in Redis and are lost with its data; this sweep does not depend on them.
   */
  HOLD_SWEEP_SECONDS: z.coerce.number().min(0.1).max(3600).default(5),
  EMAIL_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  /**
   * How long one attempt owns a mail in the sent-log before another may send it
   * again; longer than the mailer's own time-outs (10 s connect, 30 s socket).
   */
  EMAIL_SEND_LEASE_MS: z.coerce.number().int().min(100).default(60_000),
  /** How often the workers' outbox relay looks for rows (migration 012, infra/outbox-relay.ts). */
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(10_000).default(250),
  /**
   * Fact rows wait this long before the relay checks whether their commit was announced:
   * the committing instance publishes at once, and normally the relay only deletes.
   */
  OUTBOX_FACT_GRACE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  // A mail row stays in the outbox until its job has run; this long between looks
  // at a row whose job is still queued (or was lost with Redis's data).
  OUTBOX_MAIL_RECHECK_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** How long a worker owns a job before another may take it over (it renews while alive). */
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /**
   * Opening-night guard: booking writes admitted per event per second (a token bucket
   * in Redis shared by every instance); beyond it the answer is 503 + Retry-After.
   * 0 turns the guard off.
   */
  ADMISSION_RATE: z.coerce.number().min(0).default(400),
  /** How many writes may arrive at once before the rate applies (the bucket's size). */
  ADMISSION_BURST: z.coerce.number().int().min(1).default(800),
  /**
   * Per instance: booking writes refused as busy while this many requests already
   * wait for a database connection (0 = no limit). Waiting longer than the pool's
   * connect timeout would end in an error anyway; refusing early is faster and honest.
   */
  ADMISSION_MAX_WAITING: z.coerce.number().int().min(0).default(40),
  /**
   * Each family's own share of an event's admission (a second token bucket beside the
   * event's): one family cannot spend the evening's budget. A family books perhaps ten
   * slots in a minute (a hold and a confirmation each, a few lost races); the defaults
   * leave it room for three times that. 0 turns the family share off.
   */
  ADMISSION_FAMILY_RATE: z.coerce.number().min(0).default(1),
  ADMISSION_FAMILY_BURST: z.coerce.number().int().min(1).default(30),
  /** Commands one socket may send per second (a token bucket per socket; beyond it: rate_limited). */
  SOCKET_COMMAND_RATE: z.coerce.number().min(0.1).default(20),
  SOCKET_COMMAND_BURST: z.coerce.number().int().min(1).default(40),
  /** Sockets one session may hold open on one instance (tabs of one browser share a session). */
  SOCKETS_PER_SESSION: z.coerce.number().int().min(1).default(8),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Parses the environment; a bad value throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  if (parsed.data.NODE_ENV === 'production') {
    const problems = productionProblems(env);
    if (problems.length)
      throw new ConfigError(`Refusing to start in production:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return parsed.data;
}

/**
 * Variables a production deployment must set itself: their defaults point at a
 * developer's password-less local services.
 */
export const PRODUCTION_REQUIRED = ['DATABASE_URL', 'REDIS_URL'] as const;

/**
 * URLs whose password is a secret: it must not be a default or a well-known word.
 * The database and Redis must have one; a mail relay may legitimately accept the
 * server without credentials, so SMTP_URL is checked only when it carries some.
 */
const SECRET_URLS: { name: string; passwordRequired: boolean }[] = [
  { name: 'DATABASE_URL', passwordRequired: true },
  { name: 'REDIS_URL', passwordRequired: true },
  { name: 'SMTP_URL', passwordRequired: false },
];

const DEFAULT_SECRETS = new Set([
  'admin',
  'changeme',
  'change-me',
  'confer',
  'example',
  'letmein',
  'password',
  'postgres',
  'redis',
  'secret',
  'test',
]);

/** Why a production start must be refused: each missing setting and each default secret. */
export function productionProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  for (const name of PRODUCTION_REQUIRED) {
    if (!env[name]) problems.push(`${name} must be set (the default only suits a development machine).`);
  }
  const serverSecret = env.SERVER_SECRET ?? '';
  if (!serverSecret || serverSecret === DEVELOPMENT_SERVER_SECRET || new Set(serverSecret).size < 16)
    problems.push(
      'SERVER_SECRET must be set to at least 32 random characters (e.g. `openssl rand -base64 48`).',
    );
  // Every mailed link (access codes, invitations, resets) starts with it; the default is
  // http://localhost, useless to a parent and, over plain http, a leak of the link.
  const publicUrl = env.PUBLIC_URL;
  if (!publicUrl)
    problems.push('PUBLIC_URL must be set (the https:// address parents open; mailed links use it).');
  else if (!publicUrl.startsWith('https://')) problems.push('PUBLIC_URL must be an https:// address.');
  for (const { name, passwordRequired } of SECRET_URLS) {
    const value = env[name];
    if (!value) continue;
    let password = '';
    try {
      password = decodeURIComponent(new URL(value).password);
    } catch {
      continue;
    }
    if (!password) {
      if (passwordRequired) problems.push(`${name} must carry a password.`);
    } else if (isWeakSecret(password))
      problems.push(`${name} has a default or weak password: use at least 12 random characters.`);
  }
  return problems;
}

/**
 * Too short, a well-known word, too few different characters (`aaaaaaaaaaaa`,
 * `abababababab`) or a run such as `abcdefghijkl` / `123456789012`.
 */
export function isWeakSecret(password: string): boolean {
  if (password.length < 12 || DEFAULT_SECRETS.has(password.toLowerCase())) return true;
  if (new Set(password).size < 6) return true;
  const lower = password.toLowerCase();
  return KEYBOARD_RUNS.some((run) => {
    const around = run.repeat(Math.ceil(password.length / run.length) + 1);
    return around.includes(lower) || [...around].reverse().join('').includes(lower);
  });
}

const KEYBOARD_RUNS = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiopasdfghjklzxcvbnm'];

/** For process entry points: the configuration, or a message naming the bad variables and exit 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
