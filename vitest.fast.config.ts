import { defineConfig } from 'vitest/config';
import { clientProject, unitProject } from './vitest.config.ts';

// The fast loop: `npm run test:unit` and `npm run test:client` run these projects with
// no global setup, so they need neither PostgreSQL nor Redis and take seconds. A unit or
// client test that reaches for either fails here (nothing listens), not only in CI.
export default defineConfig({
  test: {
    projects: [unitProject, clientProject],
  },
});
