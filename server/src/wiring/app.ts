import { existsSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import { errorBody } from '../../../protocol/errors.ts';
import { unstorableTextPath } from '../../../protocol/storable-text.ts';
import type { Config } from '../config.ts';
import { adminRoutes } from '../features/admin/admin.routes.ts';
import { sharedChildrenRoutes } from '../features/admin/shared-children.routes.ts';
import { SharedChildrenService } from '../features/admin/shared-children.service.ts';
import { authRoutes } from '../features/auth/auth.routes.ts';
import { AuthService } from '../features/auth/auth.service.ts';
import { EventSchools } from '../features/auth/event-schools.ts';
import { SessionStore } from '../features/auth/session-store.ts';
import { bookingRoutes } from '../features/booking/booking.routes.ts';
import { BookingService, type HoldExpiryScheduler } from '../features/booking/booking.service.ts';
import { familyMoveRoutes } from '../features/booking/family-move.routes.ts';
import { FamilyMoveService } from '../features/booking/family-move.ts';
import { eventsRoutes } from '../features/events/events.routes.ts';
import { EventsService } from '../features/events/events.service.ts';
import { fairStartRoutes } from '../features/fair-start/fair-start.routes.ts';
import { itineraryRoutes } from '../features/itinerary/itinerary.routes.ts';
import { FamilyLanguageService } from '../features/languages/family-language.service.ts';
import { languagesRoutes } from '../features/languages/languages.routes.ts';
import { MessageOverridesService } from '../features/languages/message-overrides.service.ts';
import type { Publisher } from '../features/live/publisher.ts';
import { calendarRoutes } from '../features/mail/calendar.routes.ts';
import { fromAddress } from '../features/mail/calendar.ts';
import { mailRoutes } from '../features/mail/mail.routes.ts';
import { onTheNightRoutes } from '../features/on-the-night/on-the-night.routes.ts';
import { pauseRoutes } from '../features/pause/pause.routes.ts';
import { PauseService } from '../features/pause/pause.service.ts';
import { recordChange } from '../features/records/audit-log.ts';
import { createStatusFeature } from '../features/status/status-feature.ts';
import { teacherRoutes } from '../features/teacher/teacher.routes.ts';
import { waitingListRoutes } from '../features/waiting-list/waiting-list.routes.ts';
import { buildOpenApi } from '../http/openapi.ts';
import { JSON_MEDIA_TYPES, mountRoutes, sendRefusal } from '../http/route.ts';
import { Admission } from '../infra/admission.ts';
import type { Db } from '../infra/db.ts';
import { AttemptBackoff, RateLimit } from '../infra/rate-limit.ts';
import { serverKeys } from '../infra/server-keys.ts';
import { SlotLock } from '../infra/slot-lock.ts';
import { refusalOf } from '../refusals/refusal-answer.ts';
import { attachSocketGateway, type ConferServer } from '../socket/socket-gateway.ts';
import { createCpuWork } from './cpu-work.ts';
import { createFairness } from './fairness-services.ts';
import { createInterpreterFeatures } from './interpreter-features.ts';
import { attachLiveSubscriber } from './live-subscriber.ts';
import { createSchoolFeatures } from './school-features.ts';

export interface AppDeps {
  config: Config;
  db: Db;
  redis: Redis;
  logger: Logger;
  holdExpiry: HoldExpiryScheduler;
  /** Called when a session shows activity (the workers' idle time-out hooks in here). */
  onSessionTouched?: (sessionId: string, at: Date) => void;
  /** The built client to serve; defaults to client/dist when it exists. */
  clientDir?: string | null;
}

export interface ConferApp {
  http: HttpServer;
  io: ConferServer;
  app: express.Express;
  services: { auth: AuthService; booking: BookingService; events: EventsService; sessions: SessionStore };
  publisher: Publisher;
  close(): Promise<void>;
}

// Compiled (npm run build:server), this file is dist/server/src/app.js; the client is
// built in client/dist either way.
const DEFAULT_CLIENT_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  import.meta.url.endsWith('.js') ? '../../../client/dist' : '../../client/dist',
);

export function createApp(deps: AppDeps): ConferApp {
  const { config, db, redis, logger } = deps;
  // Planning and CSV checks run here, off the event loop.
  const cpu = createCpuWork(config);
  const logError = (err: unknown, context: string) => logger.error({ err, context }, 'unexpected error');

  const http = createServer();
  // Parents wait between clicks (and up to Retry-After when busy): a connection kept
  // for a minute spares the server a reconnection per click in the rush. Longer than
  // the reverse proxy's own idle time-out, so the proxy closes first.
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  const corsOrigins = config.CORS_ORIGINS;
  const io: ConferServer = new Server(http, {
    cors: corsOrigins.length ? { origin: corsOrigins } : undefined,
    maxHttpBufferSize: 64 * 1024,
    serveClient: false,
  });
  const eventSchools = new EventSchools(db);
  // Redis for the Socket.IO adapter and the fact channel, and what this instance has
  // heard of each slot (wiring/live-subscriber.ts).
  const live = attachLiveSubscriber({ io, redis, config, eventSchools, logError });
  const { slotStates, publisher } = live;
  const sessions = new SessionStore(
    db,
    redis,
    config.REDIS_PREFIX,
    config.SESSION_IDLE_MINUTES * 60_000,
    deps.onSessionTouched,
  );
  const auth = new AuthService({
    db,
    sessions,
    accessCodeKey: serverKeys(config.SERVER_SECRET).accessCode,
    backoff: new AttemptBackoff(redis, `${config.REDIS_PREFIX}rl:login:backoff`, {
      freeAttempts: config.LOGIN_ATTEMPTS_PER_ACCOUNT,
      maxDelaySeconds: config.LOGIN_MAX_DELAY_SECONDS,
      forgetAfterSeconds: config.LOGIN_WINDOW_SECONDS,
    }),
    limitPerAddress: new RateLimit(
      redis,
      `${config.REDIS_PREFIX}rl:login:address`,
      config.LOGIN_ATTEMPTS_PER_ADDRESS,
      config.LOGIN_WINDOW_SECONDS,
    ),
  });
  const admission = new Admission(
    redis,
    config.REDIS_PREFIX,
    {
      ratePerSecond: config.ADMISSION_RATE,
      burst: config.ADMISSION_BURST,
      maxWaiting: config.ADMISSION_MAX_WAITING,
      familyRatePerSecond: config.ADMISSION_FAMILY_RATE,
      familyBurst: config.ADMISSION_FAMILY_BURST,
    },
    db,
  );
  const booking = new BookingService({
    db,
    slotStates,
    admission,
    slotLock: config.SLOT_LOCK_ENABLED ? new SlotLock(redis, config.REDIS_PREFIX, config.SLOT_LOCK_MS) : null,
    publisher,
    holdExpiry: deps.holdExpiry,
    logError,
  });
  // A family's one-step move: its own service, through the same door as a hold.
  const familyMoves = new FamilyMoveService({ db, publisher, admission });
  const events = new EventsService(db);
  attachSocketGateway({
    io,
    sessions,
    booking,
    familyMoves,
    events,
    logError,
    db,
    eventSchools,
    limits: {
      commandRate: config.SOCKET_COMMAND_RATE,
      commandBurst: config.SOCKET_COMMAND_BURST,
      socketsPerSession: config.SOCKETS_PER_SESSION,
    },
  });
  const publicUrl = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
  const schools = createSchoolFeatures({
    config,
    cpu,
    db,
    redis,
    io,
    sessions,
    booking,
    publisher,
    logError,
    publicUrl,
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          // 'self' covers ws(s) to this origin (CSP 3); any other host is refused.
          connectSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          styleSrc: ["'self'", "'unsafe-inline'"],
          scriptSrc: ["'self'"],
        },
      },
    }),
  );
  app.use(cors(corsOrigins));

  // A load balancer must learn the truth within a second: both probes run at once
  // and each gives up after HEALTH_PROBE_MS; while a dependency's circuit is open its
  // probe is refused at once (infra/circuit.ts).
  app.get('/healthz', async (_req, res) => {
    const [postgres, redisOk] = await Promise.all([
      withTimeout(
        db.query('SELECT 1').then(() => true),
        HEALTH_PROBE_MS,
      ),
      withTimeout(
        redis.ping().then((r) => r === 'PONG'),
        HEALTH_PROBE_MS,
      ),
    ]);
    const ok = postgres && redisOk;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', postgres, redis: redisOk });
  });

  const fairness = createFairness({
    config,
    cpu,
    db,
    redis,
    io,
    publisher,
    booking,
    logError,
    http,
  });
  admission.setFamilyGate((eventId, familyId) => fairness.queue.refusal(eventId, familyId));
  // The /status page and GET /api/v1/status read the same report; incidents and the operator's messages.
  const status = createStatusFeature({
    db,
    redis,
    prefix: config.REDIS_PREFIX,
    screens: io,
    operatorAuth: schools.operatorAuth,
    logError,
  });
  const interpreters = createInterpreterFeatures({ config, db, redis, sessions, publisher });
  const routes = [
    ...authRoutes(auth, publisher),
    ...eventsRoutes(events),
    ...bookingRoutes(booking),
    ...familyMoveRoutes(familyMoves),
    ...sharedChildrenRoutes(new SharedChildrenService(db)),
    ...interpreters.routes,
    ...languagesRoutes(new FamilyLanguageService(db), new MessageOverridesService(db)),
    ...mailRoutes(db),
    ...calendarRoutes({ db, organizerEmail: fromAddress(config.MAIL_FROM) }),
    ...adminRoutes({ db, io, publisher, events, booking, logError }),
    ...teacherRoutes({ db, publisher, events, logError }),
    ...schools.routes,
    ...fairStartRoutes(fairness),
    ...itineraryRoutes(fairness),
    ...waitingListRoutes(fairness),
    ...onTheNightRoutes(fairness),
    ...pauseRoutes(new PauseService(db, io, logError), schools.operatorAuth),
    ...status.routes,
  ];
  const openapi = buildOpenApi(routes, '0.1.0');
  const api = express.Router();
  // The same media types route.ts accepts; a route that takes a body refuses any other (415).
  api.use(express.json({ limit: config.BODY_LIMIT, type: JSON_MEDIA_TYPES }));
  api.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  mountRoutes(
    api,
    routes,
    sessions,
    (entry) => recordChange(db, entry),
    (operationId, err) =>
      logger.error({ err, operationId }, 'a change succeeded but its record could not be written'),
  );
  api.use((_req, res) => {
    res.status(404).json({ error: errorBody('not_found') });
  });
  // API answers carry names, appointments and tokens: no browser or proxy may keep a copy.
  app.use('/api/v1', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.use('/api/v1', api);

  // The server-rendered pages read their query themselves; text PostgreSQL cannot
  // store is refused here once for all of them, as route.ts does for the API.
  app.use((req, res, next) => {
    if (unstorableTextPath(req.query) === null) return next();
    res.status(400).json({ error: errorBody('invalid_input') });
  });
  app.use(schools.pages);
  app.use(status.page);
  const clientDir = deps.clientDir === undefined ? DEFAULT_CLIENT_DIR : deps.clientDir;
  if (clientDir && existsSync(path.join(clientDir, 'index.html'))) {
    app.use(express.static(clientDir, { index: false, maxAge: '1h' }));
    // The client routes in the browser: any other GET gets the app shell.
    app.get(/^\/(?!api\/|socket\.io\/).*/, (_req, res) => {
      res.sendFile(path.join(clientDir, 'index.html'));
    });
  }

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') {
      res.status(413).json({ error: errorBody('payload_too_large') });
    } else if (
      type === 'entity.parse.failed' ||
      type === 'encoding.unsupported' ||
      type === 'charset.unsupported'
    ) {
      res
        .status(400)
        .json({ error: errorBody('invalid_input', { message: 'The request body is not valid JSON.' }) });
    } else {
      // Outside a route's own handling (a page, the session middleware): the same
      // answers as the routes give, so a dependency down is 503, never 500.
      const refusal = refusalOf(err);
      if (refusal) return sendRefusal(res, refusal);
      logError(err, 'http');
      res.status(500).json({ error: errorBody('internal') });
    }
  };
  app.use(onError);
  http.on('request', app);
  let closing: Promise<void> | undefined;

  return {
    http,
    io,
    app,
    services: { auth, booking, events, sessions },
    publisher,
    close() {
      // Once only: a second close would unsubscribe on a connection already gone.
      closing ??= (async () => {
        live.flush();
        // Socket.IO first: its adapter still publishes through Redis while closing.
        await new Promise<void>((resolve) => io.close(() => resolve()));
        live.disconnect();
        await schools.close();
        await interpreters.close();
        await status.close();
        await cpu.close();
      })();
      return closing;
    },
  };
}

const HEALTH_PROBE_MS = 500;

function withTimeout(p: Promise<boolean>, ms: number): Promise<boolean> {
  return Promise.race([p.catch(() => false), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

/** Same-origin by default; cross-origin only for the configured allow-list. */
function cors(allowed: string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && allowed.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Idempotency-Key');
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
    }
    next();
  };
}
