import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import {
  ERROR_STATUS,
  type ErrorBody,
  errorBody,
  idempotencyKey,
  UNSTORABLE_TEXT_MESSAGE,
  unstorableTextPath,
} from '../../../protocol/index.ts';
import { permits } from '../features/auth/authorize.ts';
import type { InterpreterPrincipal, Principal } from '../features/auth/principal.ts';
import type { SessionStore } from '../features/auth/session-store.ts';
import type { AuditActorKind, AuditEntry } from '../features/records/audit-log.ts';
import { DomainError, type Result } from '../refusals/domain-error.ts';
import { refusalOf } from '../refusals/refusal-answer.ts';
import type { ApiTag } from './api-tags.ts';

/**
 * Who may call a route. `operator` is the operator's token, not a school session: the
 * route's `guard` checks it (the OpenAPI document gives it its own security scheme).
 * `interpreter`: only an interpreter's session (auth/principal.ts), which every other
 * access refuses (`any` included): its handler reads `interpreter`, not `principal`.
 */
export type Access = 'public' | 'any' | 'family' | 'staff' | 'admin' | 'operator' | 'interpreter';

export interface RouteContext<B, P> {
  principal: Principal;
  /** The interpreter of an `access: 'interpreter'` route; null on every other route. */
  interpreter: InterpreterPrincipal | null;
  body: B;
  params: P;
  idempotencyKey: string | null;
  token: string;
  req: Request;
  /**
   * What the record of transactions should add to the request's own facts: the state
   * before and after where it matters, the ids a change touched that the path does not
   * name, or who acted when no session did (a sign-in).
   */
  record: RecordNotes;
}

export interface RecordNotes {
  before?: unknown;
  after?: unknown;
  target?: Record<string, unknown>;
  schoolId?: string;
  actor?: { kind: AuditActorKind; id: string | null };
}

/**
 * Where the change an operation makes is recorded (a record of every
 * transaction). `audit`, the default for everything but GET: the edge writes an
 * audit_log row once the handler succeeded. `booking_log`: every change it makes is a
 * booking or slot change, which the booking door logs in the change's own
 * transaction. `by_service`: its service writes the audit_log row itself, in the
 * change's own transaction, because another door shares it (an HTML form posts to the
 * same service). `{ not }`: it changes nothing a person would need to account for, and
 * says why (a check, a plan, an anonymous count).
 */
export type Recorded = 'audit' | 'booking_log' | 'by_service' | { not: string };

/** Writes one audit entry; the edge calls it after a change succeeded. */
export type RecordChange = (entry: AuditEntry) => Promise<void>;

export interface RouteDef<B = unknown, P = Record<string, string>> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path under /api/v1 (`/events/:eventId`). */
  path: string;
  operationId: string;
  /** What the operation does, for whom; the OpenAPI document's summary and the start of its description. */
  summary: string;
  /** Declared in api-tags.ts with a description, so a new tag cannot go undocumented. */
  tags: readonly ApiTag[];
  access: Access;
  body?: z.ZodType<B>;
  /**
   * A raw upload instead of a JSON `body` (the CSV import reads the stream itself):
   * documented as the request body of this media type.
   */
  upload?: 'text/csv';
  params?: z.ZodType<P>;
  /**
   * The query parameters the handler reads, for the OpenAPI document (an object of
   * optional strings: a query holds text). The handler parses them itself.
   */
  query?: z.ZodObject;
  response: z.ZodType;
  /** Accepts an `Idempotency-Key` header. */
  idempotent?: boolean;
  /** Expected refusals this operation can answer with. */
  errors?: (keyof typeof ERROR_STATUS)[];
  /** Answers with a file download of this type instead of JSON; the handler's data is a `FileAnswer`. */
  produces?: 'text/csv' | 'text/html' | 'text/calendar';
  /**
   * Checks a credential of another kind than a school session (the operator's token)
   * before the input is validated, so a caller without it learns nothing, not even
   * which fields are wrong. Throws a DomainError to refuse.
   */
  guard?: (token: string | null) => Promise<void>;
  /** Where its changes are recorded (see `Recorded`); only for methods other than GET. */
  recorded?: Recorded;
  /*
   * Method syntax on purpose: TypeScript checks a method's parameter both ways, so a
   * route that reads a typed body still fits `AnyRoute` (body and params `unknown`).
   * The edge hands it only what `body` and `params` parsed; defineRoute checks each
   * route against its own schemas.
   */
  handler(ctx: RouteContext<B, P>): Promise<Result<unknown>>;
}

/** Any route, its body and params types erased: what lists of routes hold (mountRoutes, the OpenAPI document). */
export type AnyRoute = RouteDef<unknown, unknown>;

/** Where a route's changes are recorded: a GET changes nothing; other methods default to the audit log. */
export function recordedIn(route: AnyRoute): Recorded {
  if (route.method === 'get') return { not: 'a read' };
  return route.recorded ?? 'audit';
}

/** The data of a route that `produces` a file. `filename` must be plain ASCII. */
export interface FileAnswer {
  filename: string;
  body: string;
}

export function defineRoute<B, P>(def: RouteDef<B, P>): RouteDef<B, P> {
  return def;
}

function bearer(req: Request): string | null {
  const h = req.headers.authorization;
  if (!h || !/^Bearer /i.test(h)) return null;
  return h.slice(7).trim() || null;
}

function allowed(access: Access, p: Principal): boolean {
  switch (access) {
    case 'public':
    case 'any':
      return true;
    case 'family':
      return p.kind === 'family';
    case 'staff':
      return p.kind === 'staff';
    case 'admin':
      return permits(p, { kind: 'admin' });
    case 'operator':
    case 'interpreter':
      // Not a school session's to pass: the route's guard decides; interpreters are
      // let through by run() alone.
      return false;
  }
}

function invalid(issues: z.core.$ZodIssue[]): DomainError {
  return new DomainError('invalid_input', undefined, {
    issues: issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}

/** The media types whose bodies the API reads (express.json in app.ts parses the same). */
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

/** Whether a request carries a body at all; a length of 0 is none. */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
}

function unstorable(path: string): DomainError {
  return new DomainError('invalid_input', undefined, {
    issues: [{ path, message: UNSTORABLE_TEXT_MESSAGE }],
  });
}

/**
 * The validated body. A missing body and one that is not JSON used to be read as `{}`,
 * and on some operations `{}` meant "everything" (`fetch()` without headers
 * sends text/plain): both are refused now, never defaulted.
 */
function readBody<B>(schema: z.ZodType<B>, req: Request): B {
  if (!hasBody(req))
    throw new DomainError('invalid_input', 'This operation needs a JSON body.', {
      issues: [{ path: '', message: 'Send a JSON body with Content-Type: application/json.' }],
    });
  if (!req.is(JSON_MEDIA_TYPES)) throw new DomainError('unsupported_media_type');
  const bad = unstorableTextPath(req.body);
  if (bad !== null) throw unstorable(bad);
  const parsed = schema.safeParse(req.body);
  if (!parsed.success) throw invalid(parsed.error.issues);
  return parsed.data;
}

/** Mounts routes on a router: authentication, validation and the `{ error }` shape in one place. */
export function mountRoutes(
  router: Router,
  routes: AnyRoute[],
  sessions: SessionStore,
  recordChange: RecordChange,
  onRecordFailed: (operationId: string, err: unknown) => void,
): void {
  for (const route of routes) {
    if (route.access === 'operator' && !route.guard)
      throw new Error(
        `${route.operationId}: an operator route needs a guard that checks the operator's token`,
      );
    if (route.method === 'get' && route.recorded !== undefined)
      throw new Error(`${route.operationId}: a GET changes nothing and records nothing`);
    const handler: RequestHandler = async (req, res) => {
      const answer = await run(route, req, sessions, recordChange, onRecordFailed);
      if (answer.ok && route.produces) {
        const file = answer.data as FileAnswer;
        res.setHeader('Content-Type', `${route.produces}; charset=utf-8`);
        // Exports hold personal data: no proxy or browser cache keeps a copy.
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader(
          'Content-Disposition',
          // A page (printable letters) opens in the browser; data files download.
          `${route.produces === 'text/html' ? 'inline' : 'attachment'}; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`,
        );
        res.status(200).send(file.body);
        return;
      }
      if (answer.ok) {
        res.status(200).json(answer.data);
        return;
      }
      sendRefusal(res, answer.error);
    };
    router[route.method](route.path, handler);
  }
}

/** A refusal as HTTP: the code's status, and Retry-After when the refusal says when to come back. */
export function sendRefusal(res: Response, error: ErrorBody): void {
  if (error.retryAfter) res.setHeader('Retry-After', String(error.retryAfter));
  res.status(ERROR_STATUS[error.code]).json({ error });
}

async function run(
  route: AnyRoute,
  req: Request,
  sessions: SessionStore,
  recordChange: RecordChange,
  onRecordFailed: (operationId: string, err: unknown) => void,
): Promise<Result<unknown>> {
  try {
    const token = bearer(req);
    let principal: Principal | null = null;
    let interpreter: InterpreterPrincipal | null = null;
    if (route.access !== 'public' && route.access !== 'operator') {
      const who = await sessions.authenticateSession(token);
      if (!who) return { ok: false, error: errorBody('unauthenticated') };
      // An interpreter's session reaches interpreter routes only, and only it does.
      if ((who.kind === 'interpreter') !== (route.access === 'interpreter'))
        return { ok: false, error: errorBody('forbidden') };
      if (who.kind === 'interpreter') interpreter = who;
      else if (!allowed(route.access, who)) return { ok: false, error: errorBody('forbidden') };
      else principal = who;
    }
    if (route.guard) await route.guard(token);
    let params: unknown = req.params;
    if (route.params) {
      const parsed = route.params.safeParse(req.params);
      // A malformed id names nothing that exists.
      if (!parsed.success) return { ok: false, error: errorBody('not_found') };
      params = parsed.data;
    } else if (unstorableTextPath(req.params) !== null) return { ok: false, error: errorBody('not_found') };
    // Handlers read some of the query directly (search, import options): checked here once for all.
    const badQuery = unstorableTextPath(req.query);
    if (badQuery !== null) throw unstorable(badQuery);
    const body: unknown = route.body ? readBody(route.body, req) : undefined;
    let key: string | null = null;
    const rawKey = req.headers['idempotency-key'];
    if (route.idempotent && rawKey !== undefined) {
      const parsed = idempotencyKey.safeParse(rawKey);
      if (!parsed.success)
        throw invalid(parsed.error.issues.map((i) => ({ ...i, path: ['Idempotency-Key'] })));
      key = parsed.data;
    }
    const record: RecordNotes = {};
    const answer = await route.handler({
      principal: principal as Principal,
      interpreter,
      body,
      params,
      idempotencyKey: key,
      token: token ?? '',
      req,
      record,
    });
    if (answer.ok && recordedIn(route) === 'audit') {
      const entry = auditEntry(route, req, principal, params, body, record, answer.data);
      // After the handler's own commit, so not atomic with it: a failure here leaves a
      // change without its record, and the caller is still told the truth (it
      // happened). The failure is logged loudly; docs/records.md says why the edge.
      await recordChange(entry).catch((err) => onRecordFailed(route.operationId, err));
    }
    return answer;
  } catch (err) {
    const refusal = refusalOf(err);
    if (refusal) return { ok: false, error: refusal };
    throw err;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The audit entry of a change that succeeded: who, which operation, on what, asking what. */
function auditEntry(
  route: AnyRoute,
  req: Request,
  principal: Principal | null,
  params: unknown,
  body: unknown,
  notes: RecordNotes,
  data: unknown,
): AuditEntry {
  const target: Record<string, unknown> = { ...(params as Record<string, unknown>), ...notes.target };
  // The id of what the operation created, when its answer names one.
  const created = (data as { id?: unknown } | null)?.id;
  if (
    typeof created === 'string' &&
    UUID.test(created) &&
    target.id === undefined &&
    !Object.values(target).includes(created)
  )
    target.id = created;
  const actor =
    notes.actor ??
    (principal
      ? { kind: principal.kind, id: principal.kind === 'family' ? principal.familyId : principal.staffId }
      : { kind: route.access === 'operator' ? ('operator' as const) : ('public' as const), id: null });
  const pathSchool = (params as { schoolId?: unknown }).schoolId;
  return {
    schoolId: notes.schoolId ?? principal?.schoolId ?? (typeof pathSchool === 'string' ? pathSchool : null),
    actorKind: actor.kind,
    actorId: actor.id,
    action: route.operationId,
    target,
    detail: {
      request: route.upload ? { upload: route.upload, query: req.query } : body,
      before: notes.before,
      after: notes.after,
    },
  };
}
