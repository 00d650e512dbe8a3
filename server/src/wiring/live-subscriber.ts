import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { EventSchools } from '../features/auth/event-schools.ts';
import { type FactEnvelope, factChannel } from '../features/live/fact-channel.ts';
import { LiveDelivery } from '../features/live/live-delivery.ts';
import { Publisher } from '../features/live/publisher.ts';
import { SlotStateCache } from '../features/live/slot-state-cache.ts';
import type { ConferServer } from '../socket/socket-gateway.ts';

const SUBSCRIBE_COMMANDS = ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'] as const;
type SubscribeCommand = (typeof SUBSCRIBE_COMMANDS)[number];

export interface LiveSubscriberDeps {
  io: ConferServer;
  redis: Redis;
  config: Config;
  eventSchools: EventSchools;
  logError: (err: unknown, context: string) => void;
}

export interface LiveSubscriber {
  /** What this instance has heard of each slot (filled from the fact channel). */
  slotStates: SlotStateCache;
  /** Publishes a commit's facts on the fact channel, for every instance. */
  publisher: Publisher;
  /** Sends what is still being coalesced (on close). */
  flush(): void;
  disconnect(): void;
}

/**
 * One instance's connection to the others: the Socket.IO Redis adapter, and the fact
 * channel every instance (this one included) delivers from to its own sockets.
 */
export function attachLiveSubscriber({
  io,
  redis,
  config,
  eventSchools,
  logError,
}: LiveSubscriberDeps): LiveSubscriber {
  const adapterSub = redis.duplicate();
  adapterSub.on('error', () => {});
  // The adapter does not catch failed PUBLISHes; while Redis is down they would be
  // unhandled rejections that kill the process. A lost delta is recovered by the
  // clients' resync; a dead server is not.
  const adapterPub = redis.duplicate();
  adapterPub.on('error', () => {});
  const publish = adapterPub.publish.bind(adapterPub) as (
    channel: string,
    message: string | Buffer,
  ) => Promise<number>;
  adapterPub.publish = ((channel: string, message: string | Buffer) =>
    publish(channel, message).catch(() => 0)) as typeof adapterPub.publish;
  // Nor does it catch its (un)subscriptions: a subscriber closed or cut off before they
  // are answered (a server stopping soon after it started, or while Redis is away) would
  // reject them unhandled. ioredis subscribes again by itself when it reconnects.
  const sub = adapterSub as unknown as Record<SubscribeCommand, (...args: unknown[]) => Promise<unknown>>;
  for (const name of SUBSCRIBE_COMMANDS) {
    const original = sub[name].bind(adapterSub);
    sub[name] = (...args: unknown[]) => original(...args).catch(() => 0);
  }
  io.adapter(createAdapter(adapterPub, adapterSub, { key: `${config.REDIS_PREFIX}socket.io` }));
  const slotStates = new SlotStateCache();
  // While the subscriber was cut off, facts published by other instances never
  // arrived here, though our sockets stayed connected: when it is back, forget what
  // we knew of slots and tell the sockets to take a fresh snapshot.
  let subscriberLost = false;
  adapterSub.on('close', () => {
    subscriberLost = true;
  });
  adapterSub.on('ready', () => {
    if (!subscriberLost) return;
    subscriberLost = false;
    slotStates.clear();
    io.local.emit('event:resync', { reason: 'redis_reconnected' });
  });

  // Slot facts: one PUBLISH per commit on the fact channel; every instance (this one
  // included) delivers them to its own sockets, coalesced per screen. The channel
  // shares the adapter's subscriber, so its reconnect resync above covers both.
  const delivery = new LiveDelivery(
    io,
    config.LIVE_COALESCE_MS,
    config.LIVE_MESSAGES_PER_SECOND,
    (eventId) => {
      const school = eventSchools.knownSchool(eventId);
      // Read for the next fact of this event (a teacher's screen never joins one).
      if (!school) eventSchools.of(eventId).catch((err) => logError(err, 'event school'));
      return school;
    },
  );
  const channel = factChannel(config.REDIS_PREFIX);
  adapterSub.subscribe(channel).catch((err) => logError(err, 'subscribe to facts'));
  adapterSub.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    try {
      const envelopes = JSON.parse(message) as FactEnvelope[];
      slotStates.apply(envelopes);
      delivery.deliver(envelopes);
    } catch (err) {
      logError(err, 'deliver facts');
    }
  });
  const publisher = new Publisher(io, (envelopes) => {
    void adapterPub.publish(channel, JSON.stringify(envelopes));
  });
  return {
    slotStates,
    publisher,
    flush: () => delivery.flushNow(),
    disconnect() {
      adapterSub.disconnect();
      adapterPub.disconnect();
    },
  };
}
