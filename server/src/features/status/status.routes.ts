import { ServiceStatusReport } from '../../../../protocol/status.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';

/** The service's state for anyone, as JSON (the /status page shows the same). */
export function statusRoutes(read: () => Promise<ServiceStatusReport>): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/status',
      operationId: 'getServiceStatus',
      summary:
        "The state of each part of the service (database, Redis, workers, mail), the last incidents (component, start, end, duration) and the operator's current messages, for anyone: no sign-in and no personal data. Answers 200 even when a part is down; /healthz is the probe for load balancers.",
      tags: ['status'],
      access: 'public',
      response: ServiceStatusReport,
      handler: async () => ({ ok: true, data: await read() }),
    }),
  ];
}
