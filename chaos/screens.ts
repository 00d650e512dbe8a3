import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, SlotView } from '../protocol/index.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What one screen believes about the event's slots: state and version per slot. */
export interface Screen {
  states(): Map<string, { state: SlotView['state']; version: number }>;
  /** What reached this screen, for explaining a mismatch: connections, resyncs, and per slot every state seen. */
  trace(): ScreenTrace;
  close(): void;
}

export interface ScreenTrace {
  /** Epoch ms of each (re)connection, each `event:resync` and each snapshot applied. */
  connects: number[];
  resyncs: number[];
  snapshots: number[];
  /** Joins answered with an error: when, and the error code. */
  refusedJoins: { at: number; code: string }[];
  /** Per slot, every state offered to it (applied or not), in arrival order. */
  seen: Map<string, { at: number; via: 'snapshot' | 'fact'; state: SlotView['state']; version: number }[]>;
}

/**
 * A screen watching the event on one instance, following the client rules of
 * protocol/socket-events.ts: a snapshot on every (re)join, facts applied only when
 * newer than the slot's version, a fresh join after `event:resync`. When its
 * instance dies it connects again (to where the instance is now).
 */
export function openScreen(o: { url(): string; token: string; eventId: string }): Screen {
  const slots = new Map<string, { state: SlotView['state']; version: number }>();
  let socket: ClientSocket | null = null;
  let closed = false;
  const trace: ScreenTrace = {
    connects: [],
    resyncs: [],
    snapshots: [],
    refusedJoins: [],
    seen: new Map(),
  };
  const apply = (s: SlotView, via: 'snapshot' | 'fact') => {
    const offered = trace.seen.get(s.id) ?? [];
    offered.push({ at: Date.now(), via, state: s.state, version: s.version });
    trace.seen.set(s.id, offered);
    const known = slots.get(s.id);
    if (!known || s.version > known.version) slots.set(s.id, { state: s.state, version: s.version });
  };
  // A join answered `unavailable` (the server's PostgreSQL or Redis circuit open right
  // after the fault) is asked again after its Retry-After: the facts missed meanwhile
  // come only with a snapshot. Giving up left a screen stale for good.
  const join = (): void => {
    const on = socket;
    on?.emit('event:join', { eventId: o.eventId }, (res) => {
      if (!res.ok) {
        trace.refusedJoins.push({ at: Date.now(), code: res.error.code });
        if ((res.error.code === 'unavailable' || res.error.code === 'rate_limited') && !closed)
          setTimeout(() => socket === on && join(), (res.error.retryAfter ?? 1) * 1000);
        return;
      }
      trace.snapshots.push(Date.now());
      for (const s of res.data.slots) apply(s, 'snapshot');
    });
  };
  const connect = () => {
    if (closed) return;
    const s: ClientSocket = io(o.url(), {
      auth: { token: o.token },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: 3000,
    });
    socket = s;
    s.on('connect', () => {
      trace.connects.push(Date.now());
      join();
    });
    s.on('event:resync', () => {
      trace.resyncs.push(Date.now());
      join();
    });
    s.on('slot:facts', (facts) => {
      for (const f of facts) apply(f.slot, 'fact');
    });
    const again = () => {
      s.removeAllListeners();
      s.close();
      if (socket === s) setTimeout(connect, 500);
    };
    s.on('disconnect', again);
    s.on('connect_error', again);
  };
  connect();
  return {
    states: () => slots,
    trace: () => trace,
    close() {
      closed = true;
      socket?.removeAllListeners();
      socket?.close();
    },
  };
}
