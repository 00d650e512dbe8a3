import { Redis } from 'ioredis';
import { DEPENDENCY_DEFAULTS } from '../config.ts';
import { Circuit } from './circuit.ts';

export interface RedisSettings {
  lazy?: boolean;
  /** A command not answered in this long fails (REDIS_COMMAND_TIMEOUT_MS). */
  commandTimeoutMs?: number;
  /** How long the circuit refuses at once before a probe (CIRCUIT_OPEN_MS). */
  circuitOpenMs?: number;
}

const circuits = new WeakMap<Redis, Circuit>();

/** The circuit in front of a client made by createRedis. */
export function redisCircuitOf(redis: Redis): Circuit | undefined {
  return circuits.get(redis);
}

type SendCommand = Redis['sendCommand'];

/** Commands ioredis sends by itself while (re)connecting, before the connection is ready. */
const CONNECTION_SETUP = new Set(['info', 'auth', 'hello', 'select', 'client', 'readonly']);

/**
 * A Redis client that fails fast while Redis is down instead of queueing commands:
 * a booking must get a clear answer, not hang (the database still decides).
 * - Commands queue only until the first connection is ready (so a process may use
 *   the client the moment it is built); after that, a command sent while the
 *   connection is down fails at once instead of waiting for a reconnection.
 * - Every command has a time-out: a frozen Redis keeps its TCP connection open and
 *   answers nothing.
 * - A circuit opens after a few such failures in a row, so the next callers are
 *   refused without waiting at all; the first command after CIRCUIT_OPEN_MS probes.
 * Not for BullMQ workers' blocking connections: those need maxRetriesPerRequest
 * null and no command time-out (workers/worker-context.ts builds its own).
 */
export function createRedis(url: string, settings: RedisSettings = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    commandTimeout: settings.commandTimeoutMs ?? DEPENDENCY_DEFAULTS.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    lazyConnect: settings.lazy ?? false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('error', () => {});
  const circuit = new Circuit('redis', {
    failureThreshold: 3,
    openMs: settings.circuitOpenMs ?? DEPENDENCY_DEFAULTS.CIRCUIT_OPEN_MS,
  });
  circuits.set(redis, circuit);
  redis.on('ready', () => {
    redis.options.enableOfflineQueue = false;
    circuit.success();
  });
  // Duplicates serve as subscribers (the Socket.IO adapter, the fact channel): on
  // reconnection ioredis re-subscribes without catching, so a command time-out there
  // would be an unhandled rejection that kills the process. They keep ioredis'
  // defaults; a subscriber waits for messages anyway, it answers no request.
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = ((override?: Parameters<Redis['duplicate']>[0]) =>
    duplicate({ commandTimeout: undefined, enableOfflineQueue: true, ...override })) as Redis['duplicate'];
  const send = redis.sendCommand.bind(redis) as SendCommand;
  redis.sendCommand = ((command: Parameters<SendCommand>[0], stream?: Parameters<SendCommand>[1]) => {
    // ioredis' own connection setup (the INFO ready check above all) passes the
    // circuit: refused while the circuit was open, the connection to a Redis that is
    // back never became ready, so the circuit never closed — a busy client took the
    // half-open probe for its own command, refused as not writeable, and stayed cut
    // off for good (the chaos run's outbox relay, redis-kill-no-persistence).
    if (redis.status !== 'ready' && CONNECTION_SETUP.has(command.name)) return send(command, stream);
    try {
      circuit.admit();
    } catch (err) {
      command.reject(err as Error);
      return command.promise;
    }
    const answer = send(command, stream);
    command.promise.then(
      () => circuit.success(),
      (err: unknown) => circuit.failure(err),
    );
    return answer;
  }) as SendCommand;
  return redis;
}
