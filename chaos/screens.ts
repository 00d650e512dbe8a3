import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, SlotView } from '../protocol/index.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What one screen believes about the event's slots: state and version per slot. */
export interface Screen {
  states(): Map<string, { state: SlotView['state']; version: number }>;
  close(): void;
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
  const apply = (s: SlotView) => {
    const known = slots.get(s.id);
    if (!known || s.version > known.version) slots.set(s.id, { state: s.state, version: s.version });
  };
  const join = () =>
    socket?.emit('event:join', { eventId: o.eventId }, (res) => {
      if (res.ok) for (const s of res.data.slots) apply(s);
    });
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
    s.on('connect', join);
    s.on('event:resync', join);
    s.on('slot:facts', (facts) => {
      for (const f of facts) apply(f.slot);
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
    close() {
      closed = true;
      socket?.removeAllListeners();
      socket?.close();
    },
  };
}
