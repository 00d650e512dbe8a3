import type { Redis } from 'ioredis';
import { type Incident, type ServiceStatusReport, STATUS_INCIDENTS } from '../../../../protocol/status.ts';
import type { Db } from '../../infra/db.ts';
import { statusPage } from '../../pages/status-page.ts';
import type { OperatorAuth } from '../operator/operator-auth.ts';
import { IncidentWatch, recentIncidents } from './incident-watch.ts';
import { serviceMessagesRoutes } from './service-messages.routes.ts';
import { type EveryScreen, ServiceMessagesService } from './service-messages.service.ts';
import { readServiceStatus } from './service-status.ts';
import { statusRoutes } from './status.routes.ts';

/**
 * The status feature: the state of each part of the service, the incidents
 * the servers saw, and the operator's messages — as /status, GET /api/v1/status, and
 * the operator's routes. Its watch runs while the server does.
 */
export function createStatusFeature(deps: {
  db: Db;
  redis: Redis;
  prefix: string;
  /** Every screen (all servers), and this server's own (`local`, which needs no Redis). */
  screens: EveryScreen & {
    local: { emit(event: 'event:resync', payload: { reason: 'service_changed' }): unknown };
  };
  operatorAuth: Pick<OperatorAuth, 'require'>;
  logError: (err: unknown, context: string) => void;
  /** How often the watch looks; 0: not started (tests call watch.tick()). */
  watchEveryMs?: number;
}) {
  const readStatus = () => readServiceStatus({ db: deps.db, redis: deps.redis, prefix: deps.prefix });
  // The database or Redis going down or coming back: this server's screens join again
  // at once, so they say the service is away (the join is refused) or take the fresh
  // snapshot that ends their pause, rather than at their next back-off retry (up to 30 s).
  const watch = new IncidentWatch(deps.db, readStatus, deps.logError, (component) => {
    if (component === 'database' || component === 'redis')
      deps.screens.local.emit('event:resync', { reason: 'service_changed' });
  });
  const messages = new ServiceMessagesService(deps.db, deps.screens, deps.logError);
  let lastIncidents: Incident[] = [];

  /** What /status shows: with the database away, the last incidents read and those seen since. */
  const readReport = async (): Promise<ServiceStatusReport> => {
    const [status, stored, current] = await Promise.all([
      readStatus(),
      recentIncidents(deps.db).then(
        (rows) => {
          lastIncidents = rows;
          return rows;
        },
        () => lastIncidents,
      ),
      messages.currentOrLastKnown(),
    ]);
    const unwritten = watch.unwritten();
    const incidents = [
      ...unwritten.filter((u) => u.endedAt === null),
      ...stored,
      ...unwritten.filter((u) => u.endedAt !== null),
    ]
      .filter(
        (inc, i, all) =>
          all.findIndex((o) => o.component === inc.component && o.startedAt === inc.startedAt) === i,
      )
      .sort(
        (a, b) =>
          Number(a.endedAt !== null) - Number(b.endedAt !== null) || b.startedAt.localeCompare(a.startedAt),
      )
      .slice(0, STATUS_INCIDENTS);
    return { ...status, incidents, messages: current };
  };

  if (deps.watchEveryMs !== 0) watch.start(deps.watchEveryMs);
  return {
    watch,
    messages,
    readReport,
    routes: [...statusRoutes(readReport), ...serviceMessagesRoutes(messages, deps.operatorAuth)],
    page: statusPage(readReport),
    close: () => watch.stop(),
  };
}
