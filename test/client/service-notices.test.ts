import { describe, expect, it } from 'vitest';
import { ServiceNotices } from '../../client/src/shared/service-notices.svelte.ts';
import type { Ack } from '../../protocol/errors.ts';
import type { ServiceMessage, ServiceMessages } from '../../protocol/status.ts';

const HILLSIDE = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const message = (id: string, schoolId: string | null, body: string): ServiceMessage => ({
  id,
  schoolId,
  schoolName: schoolId ? 'Some School' : null,
  body,
  postedAt: '2026-11-30T19:00:00.000Z',
  updatedAt: '2026-11-30T19:00:00.000Z',
  endedAt: null,
});

/** A connection double: handlers by event name, and onConnect called at once as when connected. */
function connection() {
  const handlers = new Map<string, (payload: unknown) => void>();
  const connects: (() => void)[] = [];
  return {
    socket: {
      on: (e: string, fn: (p: unknown) => void) => handlers.set(e, fn),
      off: (e: string) => handlers.delete(e),
    },
    onConnect: (fn: () => void) => {
      connects.push(fn);
      fn();
      return () => {};
    },
    hear: (e: string, payload: unknown) => handlers.get(e)?.(payload),
    reconnect: () => {
      for (const fn of connects) fn();
    },
    handlers,
  };
}

// A school's pages show the operator's messages for that school and for every
// school, live, and read them again on every reconnection.
describe('the operator’s messages on a school’s pages', () => {
  it('keeps its school’s and everyone’s, follows the live list, keeps them when a read fails, and lets go on dispose', async () => {
    const answers: Ack<ServiceMessages>[] = [
      {
        ok: true,
        data: { messages: [message('a', HILLSIDE, 'Hillside at 19:30'), message('b', OTHER, 'Other')] },
      },
      { ok: false, error: { code: 'unavailable', message: 'busy', retryAfter: 2 } },
    ];
    const api = { get: async <T>() => answers.shift() as Ack<T> };
    const conn = connection();
    const notices = new ServiceNotices(api, conn as never, HILLSIDE);
    await Promise.resolve();
    await Promise.resolve();
    expect(notices.messages.map((m) => m.body)).toEqual(['Hillside at 19:30']);

    conn.hear('service:messages', {
      messages: [message('c', null, 'Everyone: maintenance'), message('b', OTHER, 'Other')],
    });
    expect(notices.messages.map((m) => m.body)).toEqual(['Everyone: maintenance']);

    // A reconnection while the service is away: the read fails, the messages shown stay.
    conn.reconnect();
    await Promise.resolve();
    await Promise.resolve();
    expect(notices.messages.map((m) => m.body)).toEqual(['Everyone: maintenance']);

    notices.dispose();
    expect(conn.handlers.has('service:messages')).toBe(false);
  });
});
