import { randomUUID } from 'node:crypto';
import { classify, type HistoryEntry, retryable } from './history.ts';

/** A family of the storm: its token and, per child, the slots of that child's teachers. */
export interface StormFamily {
  familyId: string;
  token: string;
  students: { studentId: string; slotIds: string[] }[];
}

export interface StormOptions {
  eventId: string;
  families: StormFamily[];
  /** The instances' base URLs now (an instance restarted elsewhere changes them). */
  urls(): string[];
  /** No new write starts after this instant (epoch ms); asked again before each write. */
  until(): number;
  /** Writes per family at most while the fault lasts (and before it). */
  maxWritesPerFamily: number;
  /** Whether the fault is over: from then on each family has `writesAfterFault` more. */
  faultOver(): boolean;
  /**
   * Writes per family after the fault. A family that spent its budget before the fault
   * ended waits for it to end instead of stopping: the run's question is whether writes
   * are answered again afterwards (CI once saw a slow Redis restart outlast every budget).
   */
  writesAfterFault: number;
  /** Every answer goes here, in the order it came. */
  history: HistoryEntry[];
  random?: () => number;
}

/** The parts of an answer the storm reads. */
type Answer = { id?: unknown; error?: { code?: unknown } } | null;

const ATTEMPTS = 6;
const REQUEST_TIMEOUT_MS = 5000;

/**
 * Families holding, confirming, releasing and cancelling over HTTP, each write with
 * its idempotency key and retried with the same key when the answer is none or a
 * 5xx, as a well-behaved client does. Bounded by `until` and a count per family.
 */
export async function runStorm(o: StormOptions): Promise<void> {
  const random = o.random ?? Math.random;
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;

  async function write(
    f: StormFamily,
    op: HistoryEntry['op'],
    method: string,
    path: string,
    body: unknown,
    slotId: string,
    bookingId: string | null,
  ): Promise<HistoryEntry> {
    const key = randomUUID();
    const startedAt = Date.now();
    let status = 0;
    let answer: Answer = null;
    let retryAfterS = 0;
    let sawAmbiguous = false;
    let refusedConnection = false;
    let attempts = 0;
    for (; attempts < ATTEMPTS; ) {
      attempts++;
      status = 0;
      answer = null;
      refusedConnection = false;
      try {
        const res = await fetch(`${pick(o.urls())}/api/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${f.token}`,
            'idempotency-key': key,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        status = res.status;
        retryAfterS = Number(res.headers.get('retry-after') ?? 0) || 0;
        const text = await res.text();
        try {
          answer = text ? (JSON.parse(text) as Answer) : null;
        } catch {
          answer = null;
        }
      } catch (err) {
        status = 0;
        // Refused before anything was sent: the write cannot have happened.
        refusedConnection = (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
      }
      if (classify(status) === 'ambiguous' && !refusedConnection) sawAmbiguous = true;
      if (!retryable(status) || attempts === ATTEMPTS) break;
      await new Promise((r) => setTimeout(r, Math.max(200 * attempts, Math.min(retryAfterS, 3) * 1000)));
    }
    let outcome = status === 0 && refusedConnection ? 'refused' : classify(status);
    // A write whose earlier attempt went unanswered may have happened although a
    // later attempt was refused: the client cannot tell.
    if (outcome !== 'ok' && sawAmbiguous) outcome = 'ambiguous';
    const entry = {
      familyId: f.familyId,
      op,
      idempotencyKey: key,
      slotId,
      bookingId: op === 'hold' ? (outcome === 'ok' ? String(answer?.id ?? '') || null : null) : bookingId,
      outcome,
      status,
      code: typeof answer?.error?.code === 'string' ? answer.error.code : null,
      attempts,
      startedAt,
      endedAt: Date.now(),
    };
    o.history.push(entry);
    return entry;
  }

  async function family(f: StormFamily): Promise<void> {
    const spent = { during: 0, after: 0 };
    const spend = () => {
      if (o.faultOver()) spent.after++;
      else spent.during++;
    };
    while (Date.now() < o.until()) {
      if (o.faultOver() ? spent.after >= o.writesAfterFault : spent.during >= o.maxWritesPerFamily) {
        if (o.faultOver()) return;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const student = pick(f.students);
      if (student.slotIds.length === 0) return;
      const slotId = pick(student.slotIds);
      spend();
      const hold = await write(
        f,
        'hold',
        'POST',
        '/holds',
        { slotId, studentId: student.studentId },
        slotId,
        null,
      );
      if (hold.outcome === 'ok' && hold.bookingId) {
        const r = random();
        if (r < 0.55) {
          spend();
          const c = await write(
            f,
            'confirm',
            'POST',
            '/holds/confirm',
            { eventId: o.eventId, holdIds: [hold.bookingId] },
            slotId,
            hold.bookingId,
          );
          if (c.outcome === 'ok' && random() < 0.3) {
            spend();
            await write(
              f,
              'cancel',
              'POST',
              `/bookings/${hold.bookingId}/cancel`,
              undefined,
              slotId,
              hold.bookingId,
            );
          }
        } else if (r < 0.8) {
          spend();
          await write(f, 'release', 'DELETE', `/holds/${hold.bookingId}`, undefined, slotId, hold.bookingId);
        }
        // else: the hold is left to lapse.
      }
      await new Promise((r) => setTimeout(r, 50 + random() * 250));
    }
  }

  await Promise.all(o.families.map((f) => family(f)));
}
