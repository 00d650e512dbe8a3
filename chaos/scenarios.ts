import type { PrivatePostgres } from '../test/support/private-postgres.ts';
import type { PrivateRedis } from '../test/support/private-redis.ts';

/** What a fault may act on: the run's own PostgreSQL and Redis, and the scenario's processes. */
export interface FaultTarget {
  pg: PrivatePostgres;
  redis: PrivateRedis;
  dbName: string;
  /** SIGKILLs server instance `i` and starts a new one in its place (a new port). */
  killAndReplaceServer(i: number): Promise<void>;
  /** SIGKILLs the workers process and starts a new one. */
  killAndReplaceWorkers(): Promise<void>;
}

export interface Scenario {
  name: string;
  /** Injects the fault; resolves when the fault is over (the dependency is back). */
  inject(t: FaultTarget): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The faults of the fault run, one per scenario. */
export const SCENARIOS: Scenario[] = [
  {
    name: 'redis-kill-restart',
    async inject(t) {
      t.redis.kill();
      await sleep(2000);
      await t.redis.restart({ keepData: true });
    },
  },
  {
    name: 'redis-kill-no-persistence',
    async inject(t) {
      t.redis.kill();
      await sleep(2000);
      await t.redis.restart({ keepData: false });
    },
  },
  {
    name: 'postgres-stop-start',
    async inject(t) {
      await t.pg.stop();
      await sleep(3000);
      await t.pg.restart();
    },
  },
  {
    name: 'postgres-freeze',
    async inject(t) {
      t.pg.freeze();
      await sleep(3000);
      t.pg.thaw();
    },
  },
  {
    name: 'instance-sigkill',
    async inject(t) {
      await t.killAndReplaceServer(1);
    },
  },
  {
    name: 'workers-sigkill',
    async inject(t) {
      await t.killAndReplaceWorkers();
    },
  },
  {
    name: 'postgres-terminate-backends',
    async inject(t) {
      await t.pg.terminateBackends(t.dbName);
      await sleep(500);
      await t.pg.terminateBackends(t.dbName);
    },
  },
];

/** The short run in the test suite (kept to one scenario: each costs ~1 min on a loaded machine). */
export const SHORT_SCENARIOS = ['redis-kill-no-persistence'];
