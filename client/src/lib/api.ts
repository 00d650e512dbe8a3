import { type Ack, ERROR_MESSAGES, type ErrorBody, type ErrorCode } from '../../../protocol/errors.ts';

/**
 * HTTP to our own origin. Every write carries an Idempotency-Key; a write that
 * failed in transit is retried with the SAME key, so the server answers the
 * retry from its stored result instead of holding or booking twice.
 */
export interface ApiClient {
  get<T>(path: string): Promise<Ack<T>>;
  /** A `Blob` body (a CSV upload) is sent as it is, with its own type; anything else as JSON. */
  write<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<Ack<T>>;
  /**
   * A file the API answers (CSV exports): fetched with the bearer token, since there is no cookie.
   * With `post`, the file is the answer to a POST of that JSON body (printable letters).
   */
  file(path: string, post?: unknown): Promise<Ack<Blob>>;
}

export interface ApiOptions {
  token: () => string | null;
  /** Called when the server says the session is gone (401). */
  onUnauthenticated?: () => void;
  fetch?: typeof fetch;
  retries?: number;
  retryDelayMs?: number;
}

const API = '/api/v1';

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

export function createApi(opts: ApiOptions): ApiClient {
  const doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const retries = opts.retries ?? 3;
  const delay = opts.retryDelayMs ?? 400;

  async function request<T>(
    method: string,
    path: string,
    body: unknown,
    key: string | null,
  ): Promise<Ack<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = opts.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (key) headers['idempotency-key'] = key;
    const raw = typeof Blob !== 'undefined' && body instanceof Blob;
    if (body !== undefined) headers['content-type'] = raw ? body.type || 'text/csv' : 'application/json';
    let lastError: ErrorBody = { code: 'unavailable', message: ERROR_MESSAGES.unavailable };
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(delay * 2 ** (attempt - 1));
      let res: Response;
      try {
        res = await doFetch(`${API}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
        });
      } catch {
        // Network failure: we cannot know whether the server acted, so retry with the same key.
        lastError = {
          code: 'unavailable',
          message: 'We could not reach the school’s server. Check your connection.',
        };
        continue;
      }
      const parsed = await res.json().catch(() => null);
      if (res.ok) return { ok: true, data: parsed as T };
      const error = toErrorBody(parsed, res.status);
      if (error.code === 'unauthenticated' && token) opts.onUnauthenticated?.();
      // Only a busy server is worth retrying; every other refusal is an answer.
      if ((res.status === 503 || res.status === 502 || res.status === 504) && attempt < retries) {
        lastError = error;
        if (error.retryAfter) await sleep(Math.min(error.retryAfter, 5) * 1000);
        continue;
      }
      return { ok: false, error };
    }
    return { ok: false, error: lastError };
  }

  async function file(path: string, post?: unknown): Promise<Ack<Blob>> {
    const token = opts.token();
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (post !== undefined) {
      headers['content-type'] = 'application/json';
      headers['idempotency-key'] = newIdempotencyKey();
    }
    try {
      const res = await doFetch(`${API}${path}`, {
        headers,
        ...(post === undefined ? {} : { method: 'POST', body: JSON.stringify(post) }),
      });
      if (res.ok) return { ok: true, data: await res.blob() };
      return { ok: false, error: toErrorBody(await res.json().catch(() => null), res.status) };
    } catch {
      return { ok: false, error: { code: 'unavailable', message: ERROR_MESSAGES.unavailable } };
    }
  }

  return {
    file,
    get: (path) => request('GET', path, undefined, null),
    write: (method, path, body) => request(method, path, body, newIdempotencyKey()),
  };
}

function toErrorBody(parsed: unknown, status: number): ErrorBody {
  const error = (parsed as { error?: ErrorBody } | null)?.error;
  if (error && typeof error.code === 'string' && error.code in ERROR_MESSAGES) return error;
  const code: ErrorCode = status === 401 ? 'unauthenticated' : status >= 500 ? 'unavailable' : 'internal';
  return { code, message: ERROR_MESSAGES[code] };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
