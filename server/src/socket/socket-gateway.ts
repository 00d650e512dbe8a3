import type { z } from 'zod';
import { type Ack, errorBody, rooms } from '../../../protocol/index.ts';
import { type SocketCommandName, SocketCommands } from '../../../protocol/socket-commands.ts';
import { authorize } from '../features/auth/authorize.ts';
import type { EventSchools } from '../features/auth/event-schools.ts';
import type { Principal } from '../features/auth/principal.ts';
import type { SessionStore } from '../features/auth/session-store.ts';
import type { BookingService } from '../features/booking/booking.service.ts';
import type { FamilyMoveService } from '../features/booking/family-move.ts';
import type { EventsService } from '../features/events/events.service.ts';
import type { ConferServer, ConferSocket } from '../features/live/confer-server.ts';
import { familyTeacherIds } from '../features/live/interests.ts';
import type { Queryable } from '../infra/db.ts';
import { TokenBucket } from '../infra/rate-limit.ts';
import type { Result } from '../refusals/domain-error.ts';
import { refusalOf } from '../refusals/refusal-answer.ts';

export type { ConferServer };

type CommandInput<K extends SocketCommandName> = z.output<(typeof SocketCommands)[K]>;
// The same object seen per name, so that a generic command's schema has its own input type.
const commandSchemas: { [K in SocketCommandName]: z.ZodType<CommandInput<K>> } = SocketCommands;

export interface GatewayDeps {
  io: ConferServer;
  sessions: SessionStore;
  booking: BookingService;
  /** A family's one-step move, the same service as POST /bookings/{id}/move. */
  familyMoves: Pick<FamilyMoveService, 'move'>;
  events: EventsService;
  logError: (err: unknown, context: string) => void;
  /** Where a family's interests (its children's teachers) are read. */
  db: Queryable;
  /** The school of each event, checked before a socket joins any of its rooms. */
  eventSchools: Pick<EventSchools, 'of'>;
  limits: SocketLimits;
}

export interface SocketLimits {
  /** Commands per second one socket may send, and how many at once. */
  commandRate: number;
  commandBurst: number;
  /** Sockets one session may hold open on this instance. */
  socketsPerSession: number;
}

/** Until a socket of the session closes there is nothing to wait for; a client should not retry at once. */
const SESSION_FULL_RETRY_SECONDS = 10;

/**
 * The Socket.IO edge: authenticates the handshake, puts each socket in the rooms
 * its token entitles it to, and runs commands through the same services as HTTP.
 * The session is checked again on every command, so a revoked token stops at once.
 */
export function attachSocketGateway({
  io,
  sessions,
  booking,
  familyMoves,
  events,
  logError,
  db,
  eventSchools,
  limits,
}: GatewayDeps): void {
  const tokens = new WeakMap<ConferSocket, string>();

  io.use(async (socket, next) => {
    try {
      const token = typeof socket.handshake.auth?.token === 'string' ? socket.handshake.auth.token : null;
      const principal = await sessions.authenticateSession(token);
      if (!principal) return next(new Error('unauthenticated'));
      // Counted on this instance, in the same turn as the join below, so two handshakes
      // of one session cannot both take the last place. Each socket costs memory and a
      // share of every fact's delivery; one session has no use for dozens.
      const open = io.of('/').adapter.rooms.get(rooms.session(principal.sessionId))?.size ?? 0;
      if (open >= limits.socketsPerSession) {
        const refused = new Error('rate_limited') as Error & { data?: unknown };
        refused.data = errorBody('rate_limited', {
          message: 'Too many open screens for this sign-in; close one and try again.',
          retryAfter: SESSION_FULL_RETRY_SECONDS,
        });
        return next(refused);
      }
      tokens.set(socket, token!);
      socket.data = {
        sessionId: principal.sessionId,
        principalKind: principal.kind,
        schoolId: principal.schoolId,
      };
      socket.join(rooms.session(principal.sessionId));
      // An interpreter's socket listens and sends nothing: its one room is joined here,
      // after the session (which names the event) was checked; every command is refused.
      if (principal.kind === 'interpreter') socket.join(rooms.eventInterpreters(principal.eventId));
      else if (principal.kind === 'family') socket.join(rooms.family(principal.familyId));
      else if (principal.isTeacher) socket.join(rooms.teacher(principal.staffId));
      next();
    } catch (err) {
      logError(err, 'socket handshake');
      next(new Error('unavailable'));
    }
  });

  io.on('connection', (socket) => {
    // Per socket, in memory: a socket lives on one instance, and the cap must cost
    // nothing per command (a Redis round trip each would be the flood's own load).
    const bucket = new TokenBucket(limits.commandRate, limits.commandBurst);

    /** Wraps a command: a live session, valid input, and an answer of the closed shape whatever happens. */
    function command<K extends SocketCommandName, T>(
      name: K,
      run: (p: Principal, input: CommandInput<K>) => Promise<Result<T>>,
    ) {
      const schema = commandSchemas[name];
      socket.on(name, (async (raw: unknown, ack: unknown) => {
        if (typeof ack !== 'function') return;
        const reply = ack as (res: Ack<T>) => void;
        // Before any work, the session lookup included: a flood costs one map read a command.
        const waitMs = bucket.take();
        if (waitMs > 0) {
          reply({
            ok: false,
            error: errorBody('rate_limited', { retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) }),
          });
          return;
        }
        try {
          const principal = await sessions.authenticateSession(tokens.get(socket));
          if (!principal || principal.sessionId !== socket.data.sessionId) {
            reply({ ok: false, error: errorBody('unauthenticated') });
            socket.disconnect(true);
            return;
          }
          if (principal.kind === 'interpreter') {
            reply({ ok: false, error: errorBody('forbidden') });
            return;
          }
          const parsed = schema.safeParse(raw);
          if (!parsed.success) {
            reply({
              ok: false,
              error: errorBody('invalid_input', {
                issues: parsed.error.issues
                  .slice(0, 20)
                  .map((i) => ({ path: i.path.join('.'), message: i.message })),
              }),
            });
            return;
          }
          reply(await run(principal, parsed.data));
        } catch (err) {
          const refusal = refusalOf(err);
          if (refusal) return reply({ ok: false, error: refusal });
          logError(err, `socket ${name}`);
          reply({ ok: false, error: errorBody('internal') });
        }
      }) as never);
    }

    /** Leaves every room of one event (the interest rooms are named after it). */
    function leaveEvent(eventId: string) {
      socket.leave(rooms.event(eventId));
      const prefix = `${rooms.event(eventId)}:`;
      for (const room of socket.rooms) if (room.startsWith(prefix)) socket.leave(room);
    }

    command('event:join', async (p, { eventId }) => {
      // Tenancy before any room: a socket in another school's room, even for the
      // moment a snapshot takes to refuse, receives that school's facts.
      authorize(p, { kind: 'event', schoolId: await eventSchools.of(eventId) });
      // Rooms first, snapshot second: a fact committed in between then reaches the
      // client as well as the snapshot, and the version rule drops the duplicate.
      // The other order would lose it.
      leaveEvent(eventId);
      let interests: Set<string> | null = null;
      // Every screen of the event: what all of them hear (a pause).
      socket.join(rooms.event(eventId));
      if (p.kind === 'staff' && p.isAdmin) socket.join(rooms.eventAdmins(eventId));
      else if (p.kind === 'family') {
        interests = new Set(await familyTeacherIds(db, p.familyId));
        socket.join([...interests].map((t) => rooms.eventTeacher(eventId, t)));
      }
      // A teacher's screen shows their own evening, which comes through the teacher room.
      try {
        // A family gets the slots it may book and is kept live on: the snapshot
        // matches the stream (and is a tenth of the size on a big evening). The
        // filter is in the query: on opening night every parent joins at once.
        const snapshot = await events.snapshot(p, eventId, interests ? { onlyTeachers: [...interests] } : {});
        return { ok: true, data: snapshot };
      } catch (err) {
        leaveEvent(eventId);
        throw err;
      }
    });
    command('event:leave', async (_p, { eventId }) => {
      leaveEvent(eventId);
      return { ok: true, data: null };
    });
    command('slot:hold', async (p, { idempotencyKey: key, ...input }) => booking.hold(p, input, { key }));
    command('hold:release', (p, { holdId, idempotencyKey: key }) => booking.releaseHold(p, holdId, { key }));
    command('booking:confirm', async (p, { idempotencyKey: key, ...input }) =>
      booking.confirm(p, input, { key }),
    );
    command('booking:cancel', (p, { bookingId, idempotencyKey: key }) =>
      booking.cancel(p, bookingId, { key }),
    );
    command('booking:move', (p, { bookingId, slotId, idempotencyKey: key }) =>
      familyMoves.move(p, bookingId, slotId, { key }),
    );
    command('slot:block', (p, { slotId, blocked, idempotencyKey: key }) =>
      booking.setBlocked(p, slotId, blocked, { key }),
    );
  });
}
