import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
  SessionEnded,
} from '../../../protocol/socket-events.ts';
import { m } from './i18n/messages.svelte.ts';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';
export type ConferClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface LiveConnectionOptions {
  token: string;
  /** The server signed this session out (idle time-out, logout elsewhere, revoked). */
  onSessionEnded(ended: SessionEnded): void;
  /** Override for tests; defaults to socket.io-client against our own origin. */
  connect?: (token: string) => ConferClientSocket;
}

/** After this long without a connection the indicator says "Offline" rather than "Reconnecting…". */
const OFFLINE_AFTER_MS = 20_000;

/**
 * One Socket.IO connection per tab, authenticated by the bearer token in the
 * handshake (never a cookie). It reconnects by itself; screens listen for
 * `onConnect` to resync, because facts sent while we were away are lost.
 */
export class LiveConnection {
  status = $state<LiveStatus>('connecting');
  readonly socket: ConferClientSocket;
  private readonly connectListeners = new Set<() => void>();
  private disconnectedAt: number | null = null;
  private offlineTimer: ReturnType<typeof setTimeout> | null = null;
  private ended = false;

  constructor(private readonly opts: LiveConnectionOptions) {
    this.socket = (opts.connect ?? defaultConnect)(opts.token);
    this.socket.on('connect', () => {
      this.disconnectedAt = null;
      this.clearOfflineTimer();
      this.status = 'live';
      for (const l of this.connectListeners) l();
    });
    this.socket.on('disconnect', (reason) => {
      if (this.ended) return;
      this.markDown();
      // The server closing our socket on purpose does not auto-reconnect; a server
      // restart can look like that, so try again: a dead session fails the handshake.
      if (reason === 'io server disconnect') setTimeout(() => this.ended || this.socket.connect(), 1000);
    });
    this.socket.on('connect_error', (err) => {
      if (err.message === 'unauthenticated') {
        this.endSession({ reason: 'revoked', message: m.session_ended() });
        return;
      }
      this.markDown();
      if (!this.socket.active) setTimeout(() => this.ended || this.socket.connect(), 2000);
    });
    this.socket.on('session:ended', (payload) => this.endSession(payload));
    if (typeof window !== 'undefined') {
      window.addEventListener('offline', this.onBrowserOffline);
      window.addEventListener('online', this.onBrowserOnline);
    }
  }

  /** Called on every (re)connection, including the first if it has not happened yet. */
  onConnect(listener: () => void): () => void {
    this.connectListeners.add(listener);
    if (this.socket.connected) listener();
    return () => this.connectListeners.delete(listener);
  }

  close(): void {
    this.ended = true;
    this.clearOfflineTimer();
    if (typeof window !== 'undefined') {
      window.removeEventListener('offline', this.onBrowserOffline);
      window.removeEventListener('online', this.onBrowserOnline);
    }
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }

  private endSession(payload: SessionEnded): void {
    if (this.ended) return;
    this.close();
    this.opts.onSessionEnded(payload);
  }

  private markDown(): void {
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      this.status = 'offline';
      return;
    }
    this.disconnectedAt ??= Date.now();
    this.status = Date.now() - this.disconnectedAt > OFFLINE_AFTER_MS ? 'offline' : 'reconnecting';
    if (!this.offlineTimer && this.status === 'reconnecting') {
      this.offlineTimer = setTimeout(() => {
        this.offlineTimer = null;
        if (!this.socket.connected && !this.ended) this.status = 'offline';
      }, OFFLINE_AFTER_MS);
    }
  }

  private clearOfflineTimer(): void {
    if (this.offlineTimer) clearTimeout(this.offlineTimer);
    this.offlineTimer = null;
  }

  private readonly onBrowserOffline = () => {
    if (!this.socket.connected) this.status = 'offline';
  };

  private readonly onBrowserOnline = () => {
    if (!this.socket.connected && !this.ended) {
      this.status = 'reconnecting';
      this.socket.connect();
    }
  };
}

function defaultConnect(token: string): ConferClientSocket {
  return io({
    auth: { token },
    // Straight to WebSocket: long-polling would need sticky sessions behind a balancer.
    transports: ['websocket'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 4000,
  });
}
