import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import type {
  Ack,
  AvailabilitySnapshot,
  BookingView,
  ClientToServerEvents,
  ErrorBody,
  LoginResponse,
  ServerToClientEvents,
  SlotFact,
} from '../protocol/index.ts';
import { HttpClient } from './http-client.ts';
import { nowMs, Samples } from './latency.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Everything the simulated clients measure, shared by all of them. */
export class RushMetrics {
  phase: 'setup' | 'rush' | 'broadcast' | 'done' = 'setup';
  readonly holdAck = new Samples();
  readonly confirmAck = new Samples();
  readonly loserAck = new Samples();
  readonly busyAck = new Samples();
  readonly commitToScreen = new Samples();
  readonly broadcastToScreen = new Samples();
  /** From a parent's arrival to their confirmed itinerary (the human profile). */
  readonly arrivalToItinerary = new Samples();
  /** Per fact (event version): the latest delivery, for "every screen has it". */
  readonly lastScreen = new Map<number, number>();
  holdAttempts = 0;
  holdsOk = 0;
  confirmCalls = 0;
  bookingsConfirmed = 0;
  releases = 0;
  gaveUp = 0;
  changedMind = 0;
  noFreeSlot = 0;
  refusals: Record<string, number> = {};
  transportErrors = 0;
  /** "Busy" answers (503 / unavailable), and those of them that did not say when to come back. */
  busyAnswers = 0;
  busyWithoutRetryAfter = 0;
  /** Booking ids the server said were confirmed: each must be confirmed in the database. */
  readonly confirmedIds: string[] = [];

  refused(code: string): void {
    this.refusals[code] = (this.refusals[code] ?? 0) + 1;
  }

  delivered(fact: { version: number; publishedAt?: number }): void {
    if (this.phase !== 'rush' || fact.publishedAt === undefined) return;
    const latency = nowMs() - fact.publishedAt;
    this.commitToScreen.add(latency);
    const prev = this.lastScreen.get(fact.version);
    if (prev === undefined || latency > prev) this.lastScreen.set(fact.version, latency);
  }
}

export interface Behaviour {
  /** Children's teachers each parent tries to book, per child. */
  teachersPerChild: number;
  /**
   * The pause before each click (ms). uniform: 0.5–1.5 × thinkMs (fast clickers);
   * lognormal: median thinkMs with a long tail (a person reading the grid).
   */
  thinkMs: number;
  think?: 'uniform' | 'lognormal';
  /** Parents do not all click at T0 exactly: each starts within this many ms. */
  reactionMs: number;
  /** Share of parents who let their holds lapse instead of confirming. */
  giveUpShare: number;
  /** Share of parents who release one hold and pick another slot before confirming. */
  changeMindShare: number;
  /** Attempts per teacher before a parent gives up on that teacher. */
  attemptsPerTeacher: number;
}

export interface ParentPlan {
  index: number;
  familyId: string;
  surname: string;
  accessCode: string;
  children: { id: string; teacherIds: string[] }[];
  /** Uses HTTP for holds and confirmations instead of the socket. */
  useHttp: boolean;
  baseUrl: string;
  localAddress: string;
  /** When set, the parent arrives this many ms after T0 (else within reactionMs). */
  arriveAfterMs?: number;
}

interface LocalSlot {
  id: string;
  teacherId: string;
  start: number;
  end: number;
  state: string;
  version: number;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One family at the keyboard on opening night, over real HTTP and a real socket. */
export class SimulatedParent {
  private readonly http: HttpClient;
  private readonly rand: () => number;
  private token = '';
  socket: ClientSocket | null = null;
  private readonly slots = new Map<string, LocalSlot>();
  private readonly byTeacher = new Map<string, LocalSlot[]>();
  /** Times this family already holds, so it does not click a clash on purpose. */
  private readonly mine: { slotId: string; holdId: string; teacherId: string; start: number; end: number }[] =
    [];

  constructor(
    private readonly plan: ParentPlan,
    private readonly schoolCode: string,
    private readonly eventId: string,
    private readonly metrics: RushMetrics,
    private readonly behaviour: Behaviour,
  ) {
    this.http = new HttpClient(plan.baseUrl, plan.localAddress);
    this.rand = rng(plan.index * 7919 + 17);
    // The teachers this parent will try, chosen now: only their slots are kept from
    // the snapshot (5,000 parents each keeping the whole grid would measure the
    // generator's memory).
    this.chosen = plan.children.map((c) => ({
      id: c.id,
      teacherIds: [...c.teacherIds].sort(() => this.rand() - 0.5).slice(0, behaviour.teachersPerChild),
    }));
    this.wanted = new Set(this.chosen.flatMap((c) => c.teacherIds));
  }

  private readonly chosen: { id: string; teacherIds: string[] }[];
  private readonly wanted: Set<string>;

  async login(): Promise<void> {
    const ask = () =>
      this.http.request('POST', '/api/v1/auth/family/login', {
        body: { schoolCode: this.schoolCode, surname: this.plan.surname, accessCode: this.plan.accessCode },
      });
    let res = await ask();
    // A busy server (503) says when to come back; a parent does.
    for (let i = 0; res.status === 503 && i < 20; i++) {
      await sleep(Number(res.headers['retry-after'] ?? 1) * 1000 * (0.5 + this.rand()));
      res = await ask();
    }
    if (res.status !== 200) throw new Error(`family login ${res.status}: ${JSON.stringify(res.body)}`);
    this.token = (res.body as LoginResponse).token;
  }

  async connect(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.connectOnce();
      } catch (err) {
        this.socket?.disconnect();
        if (attempt >= 5) throw err;
        await sleep(1000 * (0.5 + this.rand()));
      }
    }
  }

  private async connectOnce(): Promise<void> {
    const socket: ClientSocket = connect(this.plan.baseUrl, {
      auth: { token: this.token },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      localAddress: this.plan.localAddress,
    } as never);
    this.socket = socket;
    socket.on('slot:facts', (facts) => {
      for (const fact of facts) this.apply(fact);
    });
    socket.on(
      'bench:ping' as never,
      ((p: { publishedAt: number }) => {
        if (this.metrics.phase === 'broadcast') this.metrics.broadcastToScreen.add(nowMs() - p.publishedAt);
      }) as never,
    );
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  }

  async join(): Promise<void> {
    let res = await this.ask<AvailabilitySnapshot>('event:join', { eventId: this.eventId });
    // A busy server says when to come back (as a real screen would, it does).
    for (let i = 0; !res.ok && res.error.code === 'unavailable' && i < 10; i++) {
      await sleep((res.error.retryAfter ?? 1) * 1000 * (0.5 + this.rand()));
      res = await this.ask<AvailabilitySnapshot>('event:join', { eventId: this.eventId });
    }
    if (!res.ok) throw new Error(`join: ${res.error.code}`);
    const snap = res.data;
    for (const s of snap.slots) {
      if (!this.wanted.has(s.teacherId)) continue;
      const local: LocalSlot = {
        id: s.id,
        teacherId: s.teacherId,
        start: Date.parse(s.startsAt),
        end: Date.parse(s.endsAt),
        state: s.state,
        version: s.version,
      };
      this.slots.set(s.id, local);
      const list = this.byTeacher.get(s.teacherId) ?? [];
      if (list.length === 0) this.byTeacher.set(s.teacherId, list);
      list.push(local);
    }
    for (const list of this.byTeacher.values()) list.sort((a, b) => a.start - b.start);
  }

  private apply(fact: SlotFact): void {
    this.metrics.delivered(fact);
    const local = this.slots.get(fact.slot.id);
    // The per-slot version rule: out-of-order or duplicate facts are dropped.
    if (local && fact.version > local.version) {
      local.version = fact.version;
      local.state = fact.slot.state;
    }
  }

  private ask<T>(event: keyof ClientToServerEvents, payload: unknown): Promise<Ack<T>> {
    return new Promise((resolve, reject) => {
      // An answer that never comes is a transport error, not a hang of the run.
      (this.socket!.timeout(60_000).emit as (...a: unknown[]) => void)(
        event,
        payload,
        (err: Error | null, answer: Ack<T>) => (err ? reject(err) : resolve(answer)),
      );
    });
  }

  private think(): Promise<void> {
    if (this.behaviour.think === 'lognormal') {
      // Box–Muller: a standard normal from two uniforms; σ 0.6 puts the middle 90%
      // of pauses between about 1.5 and 10.7 s around a 4 s median.
      const z = Math.sqrt(-2 * Math.log(1 - this.rand())) * Math.cos(2 * Math.PI * this.rand());
      return sleep(this.behaviour.thinkMs * Math.exp(0.6 * z));
    }
    return sleep(this.behaviour.thinkMs * (0.5 + this.rand()));
  }

  /** A write with the honest-busy protocol: on 503/unavailable wait Retry-After with jitter, then retry. */
  private async write<T>(
    kind: 'hold' | 'confirm' | 'release',
    viaSocket: () => Promise<Ack<T>>,
    viaHttp: () => Promise<{ status: number; body: unknown; headers: Record<string, unknown> }>,
  ): Promise<{ ok: true; data: T; ms: number } | { ok: false; error: ErrorBody; ms: number }> {
    for (let attempt = 0; ; attempt++) {
      const t0 = nowMs();
      let answer: Ack<T>;
      try {
        if (this.plan.useHttp) {
          const res = await viaHttp();
          answer =
            res.status === 200
              ? { ok: true, data: res.body as T }
              : { ok: false, error: (res.body as { error: ErrorBody }).error };
          if (!answer.ok && res.headers['retry-after'])
            answer.error.retryAfter = Number(res.headers['retry-after']);
        } else {
          answer = await viaSocket();
        }
      } catch {
        this.metrics.transportErrors++;
        return { ok: false, error: { code: 'internal', message: 'transport' }, ms: nowMs() - t0 };
      }
      const ms = nowMs() - t0;
      if (answer.ok) return { ...answer, ms };
      if (answer.error.code === 'unavailable') {
        this.metrics.busyAnswers++;
        if (!(answer.error.retryAfter && answer.error.retryAfter > 0)) this.metrics.busyWithoutRetryAfter++;
      }
      if (answer.error.code === 'unavailable' && attempt < 6) {
        this.metrics.busyAck.add(ms);
        this.metrics.refused(`${kind}:unavailable`);
        await sleep((answer.error.retryAfter ?? 1) * 1000 * (0.5 + this.rand()));
        continue;
      }
      return { ...answer, ms };
    }
  }

  private hold(slot: LocalSlot, studentId: string) {
    const key = randomUUID();
    this.metrics.holdAttempts++;
    return this.write<BookingView>(
      'hold',
      () => this.ask('slot:hold', { slotId: slot.id, studentId, idempotencyKey: key }),
      () =>
        this.http.request('POST', '/api/v1/holds', {
          token: this.token,
          idempotencyKey: key,
          body: { slotId: slot.id, studentId },
        }),
    );
  }

  private pickFree(teacherId: string): LocalSlot | null {
    const list = this.byTeacher.get(teacherId) ?? [];
    const free = list.filter(
      (s) => s.state === 'free' && !this.mine.some((m) => m.start < s.end && s.start < m.end),
    );
    if (free.length === 0) return null;
    // Most people take one of the first times offered; some look further down.
    const pool = this.rand() < 0.6 ? free.slice(0, 3) : free;
    return pool[Math.floor(this.rand() * pool.length)]!;
  }

  private async bookTeacher(teacherId: string, studentId: string): Promise<void> {
    for (let attempt = 0; attempt < this.behaviour.attemptsPerTeacher; attempt++) {
      const slot = this.pickFree(teacherId);
      if (!slot) {
        this.metrics.noFreeSlot++;
        return;
      }
      await this.think();
      const res = await this.hold(slot, studentId);
      if (res.ok) {
        this.metrics.holdAck.add(res.ms);
        this.metrics.holdsOk++;
        slot.state = 'held';
        this.mine.push({ slotId: slot.id, holdId: res.data.id, teacherId, start: slot.start, end: slot.end });
        return;
      }
      this.metrics.refused(`hold:${res.error.code}`);
      if (res.error.code === 'slot_taken') {
        this.metrics.loserAck.add(res.ms);
        slot.state = 'taken';
        continue;
      }
      if (res.error.code === 'clash' || res.error.code === 'gap') {
        slot.state = 'unsuitable';
        continue;
      }
      return;
    }
  }

  /** The evening from T0: hold a slot with each chosen teacher, perhaps change one, then confirm. */
  async rush(t0: number): Promise<void> {
    await sleep(
      Math.max(0, t0 - Date.now()) + (this.plan.arriveAfterMs ?? this.rand() * this.behaviour.reactionMs),
    );
    const arrivedAt = nowMs();
    for (const child of this.chosen) {
      for (const teacherId of child.teacherIds) await this.bookTeacher(teacherId, child.id);
    }
    if (this.mine.length === 0) return;
    const roll = this.rand();
    if (roll < this.behaviour.giveUpShare) {
      this.metrics.gaveUp++;
      return;
    }
    if (roll < this.behaviour.giveUpShare + this.behaviour.changeMindShare) {
      this.metrics.changedMind++;
      const change = this.mine[Math.floor(this.rand() * this.mine.length)]!;
      await this.think();
      const key = randomUUID();
      const released = await this.write<BookingView>(
        'release',
        () => this.ask('hold:release', { holdId: change.holdId, idempotencyKey: key }),
        () =>
          this.http.request('DELETE', `/api/v1/holds/${change.holdId}`, {
            token: this.token,
            idempotencyKey: key,
          }),
      );
      if (released.ok) {
        this.metrics.releases++;
        this.mine.splice(this.mine.indexOf(change), 1);
        const child = this.chosen.find((c) => c.teacherIds.includes(change.teacherId));
        if (child) await this.bookTeacher(change.teacherId, child.id);
      }
    }
    await this.think();
    const key = randomUUID();
    this.metrics.confirmCalls++;
    const confirmed = await this.write<{ bookings: BookingView[] }>(
      'confirm',
      () => this.ask('booking:confirm', { eventId: this.eventId, idempotencyKey: key }),
      () =>
        this.http.request('POST', '/api/v1/holds/confirm', {
          token: this.token,
          idempotencyKey: key,
          body: { eventId: this.eventId },
        }),
    );
    if (confirmed.ok) {
      this.metrics.confirmAck.add(confirmed.ms);
      this.metrics.arrivalToItinerary.add(nowMs() - arrivedAt);
      this.metrics.bookingsConfirmed += confirmed.data.bookings.length;
      for (const b of confirmed.data.bookings) this.metrics.confirmedIds.push(b.id);
    } else this.metrics.refused(`confirm:${confirmed.error.code}`);
  }

  /**
   * One booking of the capacity profile, open loop: the hold is sent now, its answer
   * timed from `intendedAt` (when the schedule wanted it sent, so a late generator or
   * a queue ahead of it counts against the system, not hidden: no coordinated
   * omission); the confirmation of that one hold follows at once. No retries: a
   * refusal is counted as one.
   */
  async bookOnce(
    slotId: string,
    studentId: string,
    intendedAt: number,
  ): Promise<{ holdMs: number | null; confirmMs: number | null; refused: string | null; bookings: number }> {
    const t = (p: Promise<Ack<unknown>>) =>
      p.catch(() => {
        this.metrics.transportErrors++;
        return { ok: false, error: { code: 'transport', message: 'no answer' } } as const;
      });
    const hold = (await t(
      this.ask<BookingView>('slot:hold', { slotId, studentId, idempotencyKey: randomUUID() }),
    )) as Ack<BookingView>;
    const holdMs = nowMs() - intendedAt;
    this.metrics.holdAttempts++;
    if (!hold.ok)
      return { holdMs, confirmMs: null, refused: `hold:${this.countBusy(hold.error)}`, bookings: 0 };
    this.metrics.holdsOk++;
    this.metrics.confirmCalls++;
    const sent = nowMs();
    const confirmed = (await t(
      this.ask('booking:confirm', {
        eventId: this.eventId,
        holdIds: [hold.data.id],
        idempotencyKey: randomUUID(),
      }),
    )) as Ack<{ bookings: BookingView[] }>;
    const confirmMs = nowMs() - sent;
    if (!confirmed.ok)
      return { holdMs, confirmMs, refused: `confirm:${this.countBusy(confirmed.error)}`, bookings: 0 };
    this.metrics.bookingsConfirmed += confirmed.data.bookings.length;
    for (const b of confirmed.data.bookings) this.metrics.confirmedIds.push(b.id);
    return { holdMs, confirmMs, refused: null, bookings: confirmed.data.bookings.length };
  }

  private countBusy(error: ErrorBody): string {
    if (error.code === 'unavailable') {
      this.metrics.busyAnswers++;
      if (!(error.retryAfter && error.retryAfter > 0)) this.metrics.busyWithoutRetryAfter++;
    }
    this.metrics.refused(error.code);
    return error.code;
  }

  close(): void {
    this.socket?.disconnect();
    this.http.close();
  }
}
