/**
 * A circuit breaker for one dependency (PostgreSQL, Redis). While the dependency is
 * down or frozen, every call would wait out its own time-out and the parents' phones
 * with it; once a few calls have failed for connection reasons the circuit opens and
 * callers are refused at once with an UnavailableError (answered `503 unavailable`
 * with `Retry-After`). A probe — the dependency's heartbeat, or the first call after
 * the open period — closes it again when it answers.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Refused without trying: the dependency is known to be down. Answered 503 + Retry-After. */
export class UnavailableError extends Error {
  readonly code = 'unavailable';
  constructor(
    readonly dependency: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`${dependency} is unavailable`);
  }
}

export interface CircuitOptions {
  /** Consecutive connection-class failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one call may probe. */
  openMs: number;
  now?: () => number;
}

export class Circuit {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: CircuitState = 'closed';
  private readonly tripListeners = new Set<() => void>();
  private readonly now: () => number;

  constructor(
    readonly name: string,
    private readonly options: CircuitOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get state(): CircuitState {
    return this.current;
  }

  /** Seconds a refused caller should wait: what is left of the open period, at least 1. */
  retryAfterSeconds(): number {
    const left = this.openedAt + this.options.openMs - this.now();
    return Math.max(1, Math.ceil(left / 1000));
  }

  /**
   * Throws UnavailableError when the call must not be tried. After the open period
   * one call at a time goes through as the probe (half-open).
   */
  admit(): void {
    if (this.current === 'closed') return;
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.openMs) {
      this.current = 'half-open';
    }
    if (this.current === 'half-open' && !this.probing) {
      this.probing = true;
      return;
    }
    throw new UnavailableError(this.name, this.retryAfterSeconds());
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    this.current = 'closed';
  }

  /** Records a failure; only connection-class failures count towards opening. */
  failure(err: unknown): void {
    this.probing = false;
    if (!tripsCircuit(err)) return;
    this.failures++;
    if (this.current === 'half-open' || this.failures >= this.options.failureThreshold) this.trip();
  }

  /** Opens the circuit now (a probe found the dependency unanswering). */
  trip(): void {
    const wasOpen = this.current === 'open';
    this.current = 'open';
    this.openedAt = this.now();
    this.probing = false;
    if (!wasOpen) for (const l of [...this.tripListeners]) l();
  }

  /**
   * Runs one call through the circuit: refused at once while open, its outcome
   * recorded, and answered unavailable at once if the circuit opens while it waits
   * (see `untilTripped`).
   */
  run<T>(call: () => Promise<T>, abandoned?: (value: T) => void): Promise<T> {
    // A refusal is a rejected promise, never a throw: it stands in for pool.query,
    // and a fire-and-forget `query(…).catch(…)` must catch it (a throw there was an
    // unhandled rejection that killed a server when the heartbeat opened the circuit).
    try {
      this.admit();
    } catch (err) {
      return Promise.reject(err);
    }
    const work = call().then(
      (value) => {
        this.success();
        return value;
      },
      (err: unknown) => {
        this.failure(err);
        throw err;
      },
    );
    return this.untilTripped(work, abandoned);
  }

  /**
   * The work's own outcome — or UnavailableError as soon as the circuit opens while
   * it is pending: a frozen server answers nothing, and the caller should not wait
   * out the call's own time-out. The work itself goes on; `abandoned` receives its
   * eventual value (a checked-out client to give back, say).
   */
  untilTripped<T>(work: Promise<T>, abandoned?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const onTrip = () => {
        if (settled) return;
        settled = true;
        this.tripListeners.delete(onTrip);
        reject(new UnavailableError(this.name, this.retryAfterSeconds()));
      };
      this.tripListeners.add(onTrip);
      work.then(
        (value) => {
          this.tripListeners.delete(onTrip);
          if (settled) abandoned?.(value);
          else {
            settled = true;
            resolve(value);
          }
        },
        (err: unknown) => {
          this.tripListeners.delete(onTrip);
          if (!settled) {
            settled = true;
            reject(err);
          }
        },
      );
    });
  }
}

const PG_CONNECTION_CLASS = /^(08|57P0[1-4])/;
const NODE_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Query read timeout/i,
  /Connection is closed/i,
  /Command timed out/i,
  /Stream isn't writeable/i,
  /Reached the max retries per request limit/i,
  /Client has encountered a connection error/i,
  /Client was closed and is not queryable/i,
];

function codeOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : '';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : '';
}

/**
 * A failure that says "the dependency could not be reached or did not answer",
 * not "your request is wrong": answered `503 unavailable` with Retry-After, never 500.
 * Statement and lock time-outs (57014, 55P03) belong here too: the database was too
 * busy to answer in time, and trying again later is the right advice.
 */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof UnavailableError) return true;
  const code = codeOf(err);
  if (PG_CONNECTION_CLASS.test(code) || code === '57014' || code === '55P03' || code === '53300') return true;
  if (NODE_CONNECTION_CODES.has(code)) return true;
  const name = err instanceof Error ? err.name : '';
  if (name === 'MaxRetriesPerRequestError') return true;
  const message = messageOf(err);
  return CONNECTION_MESSAGES.some((m) => m.test(message));
}

/**
 * The failures that say the server itself is unreachable or frozen, as opposed to
 * one connection having been cut (57P01 when an administrator terminates a backend,
 * a reset): only these open the circuit, so dropped connections are simply replaced.
 */
function tripsCircuit(err: unknown): boolean {
  const code = codeOf(err);
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === '57P03')
    return true;
  if (err instanceof Error && err.name === 'MaxRetriesPerRequestError') return true;
  // Not "timeout exceeded when trying to connect": pg-pool says that too when a
  // request waited its connect time-out in the queue for a busy pool — load, not an
  // outage (200 sockets joining at once opened the circuit and were all refused).
  // A database that is really gone is found by the heartbeat (db.ts), which trips
  // the circuit itself and releases every waiter at once.
  return /Query read timeout|Command timed out|Stream isn't writeable|Connection is closed/i.test(
    messageOf(err),
  );
}

/** Seconds to advise a caller refused for `err` (the circuit's own figure when it refused). */
export function retryAfterOf(err: unknown): number {
  return err instanceof UnavailableError ? err.retryAfterSeconds : 1;
}
