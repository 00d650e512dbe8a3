import type { Redis } from 'ioredis';
import { type ErrorBody, errorBody } from '../../../protocol/errors.ts';
import { BusyMeter } from './busy-meter.ts';
import type { Queryable } from './db.ts';

// Token buckets refilled continuously: the event's, and (when a family writes) the
// family's own share of it. A write is admitted only if every bucket has a token and
// then takes one from each, atomically, so a family refused for its share spends
// nothing of the event's. Redis' own clock is used so that every instance agrees on
// "now"; a key expires once it would be full again, so idle buckets cost nothing.
// ARGV holds rate and burst per key. Returns {admitted 0|1, milliseconds until a
// token, index of the first bucket that lacked one (0 if none)}.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens = {}
local wait = 0
local short = 0
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local b = redis.call('HMGET', key, 'tokens', 'at')
  local n = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or now
  n = math.min(burst, n + math.max(0, now - at) * rate / 1000)
  tokens[i] = n
  if n < 1 then
    wait = math.max(wait, math.ceil((1 - n) * 1000 / rate))
    if short == 0 then short = i end
  end
end
local admitted = 0
if short == 0 then admitted = 1 end
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local n = tokens[i]
  if admitted == 1 then n = n - 1 end
  redis.call('HSET', key, 'tokens', tostring(n), 'at', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(burst * 1000 / rate) + 1000)
end
return {admitted, wait, short}`;

/** A slot never moves to another event, nor an event to another school: safe to remember. */
interface SlotEvent {
  eventId: string;
  schoolId: string;
}

type AdmitCommand = (keys: string[], args: number[]) => Promise<[number, number, number]>;

/** Answers a refusal for a family's write at an event, or null to let it through. */
export type FamilyGate = (eventId: string, familyId: string) => Promise<ErrorBody | null>;

export type Admitted =
  | { admitted: true }
  | {
      admitted: false;
      retryAfterSeconds: number /** The family's own share ran out (not the event's). */;
      family?: boolean;
    };

export interface AdmissionOptions {
  /** Writes admitted per event per second; 0 admits everything. */
  ratePerSecond: number;
  /** Writes that may arrive at once before the rate applies. */
  burst: number;
  /** Refuse while this many requests of this instance wait for a database connection; 0: never. */
  maxWaiting?: number;
  /** Each family's own writes per event per second, and how many at once; 0 or absent: no share. */
  familyRatePerSecond?: number;
  familyBurst?: number;
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
  private readonly slotEvents = new Map<string, SlotEvent>();
  private loadingSlots: Promise<void> | null = null;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly options: AdmissionOptions,
    private readonly db: Queryable,
  ) {
    if (!('conferAdmissionTake' in redis)) {
      // The number of keys varies (event, family), so it is passed with each call.
      redis.defineCommand('conferAdmissionTake', { lua: TAKE });
    }
    const r = redis as unknown as {
      conferAdmissionTake: (n: number, ...rest: (string | number)[]) => Promise<[number, number, number]>;
    };
    this.take = (keys, args) => r.conferAdmissionTake(keys.length, ...keys, ...args);
  }

  get enabled(): boolean {
    return this.options.ratePerSecond > 0 || (this.options.maxWaiting ?? 0) > 0 || this.familyShare;
  }

  private get familyShare(): boolean {
    return (this.options.familyRatePerSecond ?? 0) > 0;
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

  async admit(eventId: string, familyId?: string): Promise<Admitted> {
    if (this.queueFull()) return { admitted: false, retryAfterSeconds: this.meter.turnAway() };
    const keys: string[] = [];
    const args: number[] = [];
    if (this.options.ratePerSecond > 0) {
      keys.push(`${this.prefix}admission:${eventId}`);
      args.push(this.options.ratePerSecond, this.options.burst);
    }
    if (familyId && this.familyShare) {
      keys.push(`${this.prefix}admission:${eventId}:family:${familyId}`);
      args.push(this.options.familyRatePerSecond!, this.options.familyBurst ?? 1);
    }
    if (keys.length === 0) return this.served();
    try {
      const [admitted, waitMs, short] = await this.take(keys, args);
      if (admitted === 1) return this.served();
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      // A family over its own share is told its own wait; the crowd's meter is for the crowd.
      if (keys[short - 1]?.includes(':family:'))
        return { admitted: false, retryAfterSeconds: seconds, family: true };
      return { admitted: false, retryAfterSeconds: this.meter.turnAway(seconds) };
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
   * service to answer `not_found`; so is a slot of another school than `schoolId`
   * (the writer's): neither spends a token, since neither can succeed.
   */
  async refuse(
    target: { eventId: string } | { slotId: string },
    familyId?: string,
    schoolId?: string,
  ): Promise<{ ok: false; error: ErrorBody } | null> {
    const gate = familyId ? this.familyGate : null;
    if (!this.enabled && !gate) return null;
    if (this.queueFull()) return busy(this.meter.turnAway());
    let eventId: string;
    if ('eventId' in target) eventId = target.eventId;
    else {
      const slot = await this.eventOfSlot(target.slotId).catch(() => null);
      if (!slot || (schoolId && slot.schoolId !== schoolId)) return null;
      eventId = slot.eventId;
    }
    if (gate && familyId) {
      const refused = await gate(eventId, familyId);
      if (refused) return { ok: false, error: refused };
    }
    if (!this.enabled) return null;
    const outcome = await this.admit(eventId, familyId);
    if (outcome.admitted) return null;
    return outcome.family ? ownShareSpent(outcome.retryAfterSeconds) : busy(outcome.retryAfterSeconds);
  }

  private familyGate: FamilyGate | null = null;

  /**
   * A further check on a family's booking writes, wired once the services that own
   * it exist: the virtual queue refuses families who have not been let in yet.
   */
  setFamilyGate(gate: FamilyGate): void {
    this.familyGate = gate;
  }

  /**
   * The event (and school) of a slot. A miss loads every slot of that event at once:
   * on opening night nearly every hold names a slot nobody held before, so a lookup
   * per slot was one more statement on nearly every hold; one per event is nothing.
   * Loads run one at a time, so a crowd arriving together waits for the first one
   * instead of each loading the same event (in a race 200 requests for one slot
   * arrive together, and 200 identical queries would queue for the pool). A slot
   * added later (availability changed) is a miss and loads its event again.
   */
  private async eventOfSlot(slotId: string): Promise<SlotEvent | null> {
    for (;;) {
      const known = this.slotEvents.get(slotId);
      if (known) return known;
      if (!this.loadingSlots) break;
      await this.loadingSlots.catch(() => {});
    }
    const load = this.loadEventOfSlot(slotId);
    this.loadingSlots = load;
    try {
      await load;
    } finally {
      if (this.loadingSlots === load) this.loadingSlots = null;
    }
    // Unknown slots are not remembered: the next ask tries again.
    return this.slotEvents.get(slotId) ?? null;
  }

  private async loadEventOfSlot(slotId: string): Promise<void> {
    const { rows } = await this.db.query<{ id: string; event_id: string; school_id: string }>(
      `SELECT s.id, s.event_id, e.school_id FROM slots s JOIN events e ON e.id = s.event_id
        WHERE s.event_id = (SELECT event_id FROM slots WHERE id = $1)`,
      [slotId],
    );
    // Bounded: a flood of events (or of made-up ids) must not grow this forever.
    if (this.slotEvents.size + rows.length > 100_000) this.slotEvents.clear();
    for (const r of rows) this.slotEvents.set(r.id, { eventId: r.event_id, schoolId: r.school_id });
  }
}

/** The family's own share is spent: it is the family's pace, not the server's load (429). */
function ownShareSpent(seconds: number): { ok: false; error: ErrorBody } {
  return {
    ok: false,
    error: errorBody('rate_limited', {
      message: `Too many booking requests from your family just now; try again in ${seconds} s.`,
      retryAfter: seconds,
    }),
  };
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
