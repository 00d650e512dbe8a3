import { expect, it } from 'vitest';
import { startTestApp } from '../support/test-app.ts';

// A server stopped right after it started (a crash loop, a deploy rolled back at once)
// must stop cleanly: Socket.IO's Redis adapter subscribes without catching, and a
// subscriber closed before Redis answered left "Connection is closed." rejections
// unhandled — which end a Node process. Three starts and stops, no rejection.
it('a server stopped straight after starting leaves no unhandled rejection', async () => {
  const rejections: unknown[] = [];
  const onRejection = (err: unknown) => rejections.push(err);
  process.on('unhandledRejection', onRejection);
  try {
    for (let i = 0; i < 3; i++) {
      const app = await startTestApp();
      await app.close();
    }
    // Rejections are reported on a later turn of the event loop.
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  expect(rejections.map(String)).toEqual([]);
}, 60_000);
