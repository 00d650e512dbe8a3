import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// Four projects, one run and one JSON report (`npm test`): the server's unit tests in
// Node, its integration tests against PostgreSQL and Redis, the client's component tests
// in jsdom with the Svelte compiler, and the browser tests (real Chromium) which need the
// client built first. The database template (globalSetup) belongs to the root, so it
// runs once per run, not once per project. `npm run test:unit` and `npm run test:client`
// run the first and third through vitest.fast.config.ts, which has no database at all.
const timeouts = { testTimeout: 30_000, hookTimeout: 60_000 };

/** Pure server code: no PostgreSQL, no Redis (test/unit must never need them). */
export const unitProject: TestProjectInlineConfiguration = {
  test: {
    name: 'unit',
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    ...timeouts,
  },
};

/**
 * Svelte components in jsdom against a fake API: no server, database or Redis. The files
 * of a worker share one window and module cache (isolate: false; a fresh window and
 * Svelte compile per file took five times the CPU), and client-file-reset.ts gives each
 * file a clean window.
 */
export const clientProject: TestProjectInlineConfiguration = {
  plugins: [svelte({ configFile: 'client/svelte.config.js' }), svelteTesting()],
  test: {
    name: 'client',
    include: ['test/client/**/*.test.ts'],
    environment: 'jsdom',
    pool: 'forks',
    isolate: false,
    setupFiles: ['test/support/client-file-reset.ts'],
    ...timeouts,
  },
};

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    projects: [
      unitProject,
      {
        test: {
          name: 'server',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**', 'test/client/**', 'test/e2e/**', '**/node_modules/**'],
          environment: 'node',
          pool: 'forks',
          ...timeouts,
        },
      },
      clientProject,
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/support/client-build.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
