import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

// Three projects, one run and one JSON report: the server's tests in Node, the
// client's component tests in jsdom with the Svelte compiler, and the browser tests
// (real Chromium) which need the client built first. The database template
// (globalSetup) belongs to the root, so it runs once per run, not once per project.
const timeouts = { testTimeout: 30_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    projects: [
      {
        test: {
          name: 'server',
          include: ['test/**/*.test.ts'],
          exclude: ['test/client/**', 'test/e2e/**', '**/node_modules/**'],
          environment: 'node',
          pool: 'forks',
          ...timeouts,
        },
      },
      {
        plugins: [svelte({ configFile: 'client/svelte.config.js' }), svelteTesting()],
        test: {
          name: 'client',
          include: ['test/client/**/*.test.ts'],
          environment: 'jsdom',
          pool: 'forks',
          ...timeouts,
        },
      },
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
