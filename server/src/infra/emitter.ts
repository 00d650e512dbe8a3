import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';

/**
 * Emits to Socket.IO rooms from a process that has no Socket.IO server (the
 * workers): messages go through Redis on the channels the servers' Redis adapter
 * listens to, so every server instance delivers them to its own sockets, and
 * `in(room).disconnectSockets()` reaches sockets on every instance too. The key
 * must match the adapter's (`<prefix>socket.io`, see app.ts).
 */
export function createSocketEmitter(redis: Redis, redisPrefix: string): Emitter {
  return new Emitter(redis, { key: `${redisPrefix}socket.io` });
}
