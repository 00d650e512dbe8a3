import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Every setting Confer reads from the environment, parsed once at start-up. */
const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/confer'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
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
  /** Turns the Redis fast path off; the database constraints still decide. */
  SLOT_LOCK_ENABLED: bool.default(true),
  LOGIN_ATTEMPTS_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  LOGIN_ATTEMPTS_PER_ADDRESS: z.coerce.number().int().min(1).default(100),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
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
  PUBLIC_URL: z.url().optional(),
  /** Behind a reverse proxy: how many hops to trust for the client address (rate limits). */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
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
  return parsed.data;
}
