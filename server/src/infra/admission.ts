import type { Redis } from 'ioredis';
import { type ErrorBody, errorBody } from '../../../protocol/errors.ts';
import { BusyMeter } from './busy-meter.ts';
import type { Queryable } from './db.ts';

// A token bucket per event, refilled continuously. Redis' own clock is used so that
// every instance agrees on "now"; the key expires once it would be full again, so
// idle events cost nothing. Returns {admitted 0|1, milliseconds until a token}.
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local admitted = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  admitted = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {admitted, wait}`;

type AdmitCommand = (key: string, rate: number, burst: number) => Promise<[number, number]>;

/** Answers a refusal for a family's write at an event, or null to let it through. */
export type FamilyGate = (eventId: string, familyId: string) => Promise<ErrorBody | null>;

export type Admitted = { admitted: true } | { admitted: false; retryAfterSeconds: number };

export interface AdmissionOptions {
  /** Writes admitted per event per second; 0 admits everything. */
  ratePerSecond: number;
  /** Writes that may arrive at once before the rate applies. */
  burst: number;
  /** Refuse while this many requests of this instance wait for a database connection; 0: never. */
  maxWaiting?: number;
}

/**
 * The opening-night guard: booking writes beyond what the evening can absorb get a
 * fast, honest "busy, try again in N s" (503 + Retry-After) instead of queueing
 * until they time out. Shared by all instances through Redis. If Redis cannot be
 * asked, the write is admitted: the guard protects speed, the database decides
 * correctness, and a booking must not fail only because the guard is blind.
 */
export class Admission {
  private readonly take: AdmitCommand;
  private readonly slotEvents = new Map<string, Promise<string | null>>();

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly options: AdmissionOptions,
    private readonly db: Queryable,
  ) {
    if (!('conferAdmissionTake' in redis)) {
      redis.defineCommand('conferAdmissionTake', { numberOfKeys: 1, lua: TAKE });
    }
    const r = redis as unknown as { conferAdmissionTake: AdmitCommand };
    this.take = (key, rate, burst) => r.conferAdmissionTake(key, rate, burst);
  }

  get enabled(): boolean {
    return this.options.ratePerSecond > 0 || (this.options.maxWaiting ?? 0) > 0;
  }

  /**
   * The local half of the guard: when this instance's requests already queue for a
   * database connection, one more would only wait longer (and end in a connect
   * time-out). The bucket bounds the rate across instances; this bounds the queue.
   */
  private queueFull(): boolean {
    const max = this.options.maxWaiting ?? 0;
    const waiting = (this.db as { waitingCount?: number }).waitingCount;
    return max > 0 && typeof waiting === 'number' && waiting >= max;
  }

  private readonly meter = new BusyMeter();

  async admit(eventId: string): Promise<Admitted> {
    if (this.queueFull()) return { admitted: false, retryAfterSeconds: this.meter.turnAway() };
    if (this.options.ratePerSecond <= 0) return this.served();
    try {
      const [admitted, waitMs] = await this.take(
        `${this.prefix}admission:${eventId}`,
        this.options.ratePerSecond,
        this.options.burst,
      );
      if (admitted === 1) return this.served();
      return { admitted: false, retryAfterSeconds: this.meter.turnAway(Math.ceil(waitMs / 1000)) };
    } catch {
      return this.served();
    }
  }

  private served(): Admitted {
    this.meter.serve();
    return { admitted: true };
  }

  /**
   * The refusal to answer with when the write is not admitted, else null. A hold
   * names only its slot, so the slot's event is looked up (once per slot: a slot
   * never moves to another event). An unknown slot is admitted and left to the
   * service to answer `not_found`.
   */
  async refuse(
    target: { eventId: string } | { slotId: string },
    familyId?: string,
  ): Promise<{ ok: false; error: ErrorBody } | null> {
    const gate = familyId ? this.familyGate : null;
    if (!this.enabled && !gate) return null;
    if (this.queueFull()) return busy(this.meter.turnAway());
    const eventId =
      'eventId' in target ? target.eventId : await this.eventOfSlot(target.slotId).catch(() => null);
    if (!eventId) return null;
    if (gate && familyId) {
      const refused = await gate(eventId, familyId);
      if (refused) return { ok: false, error: refused };
    }
    if (!this.enabled) return null;
    const outcome = await this.admit(eventId);
    return outcome.admitted ? null : busy(outcome.retryAfterSeconds);
  }

  private familyGate: FamilyGate | null = null;

  /**
   * A further check on a family's booking writes, wired once the services that own
   * it exist: the virtual queue refuses families who have not been let in yet.
   */
  setFamilyGate(gate: FamilyGate): void {
    this.familyGate = gate;
  }

  private eventOfSlot(slotId: string): Promise<string | null> {
    // One lookup per slot, shared by everyone asking at once: in a race 200 requests
    // for one slot arrive together, and 200 identical queries would queue for the
    // pool (and trip the queue guard) while the slot lock answers 199 of them anyway.
    const known = this.slotEvents.get(slotId);
    if (known) return known;
    // Bounded: an evening has a few thousand slots; a flood of made-up ids must not grow this forever.
    if (this.slotEvents.size >= 100_000) this.slotEvents.clear();
    const lookup = this.db
      .query<{ event_id: string }>('SELECT event_id FROM slots WHERE id = $1', [slotId])
      .then((r) => r.rows[0]?.event_id ?? null);
    this.slotEvents.set(slotId, lookup);
    // Unknown slots and failed lookups are not remembered: the next ask tries again.
    lookup.then(
      (eventId) => {
        if (!eventId) this.slotEvents.delete(slotId);
      },
      () => this.slotEvents.delete(slotId),
    );
    return lookup;
  }
}

function busy(seconds: number): { ok: false; error: ErrorBody } {
  return {
    ok: false,
    error: errorBody('unavailable', {
      message: `Booking is very busy right now; retrying in ${seconds} s.`,
      retryAfter: seconds,
    }),
  };
}
