import { beforeEach, describe, expect, it } from 'vitest';
import { createPageViewCounter, FIRST_PAGE_FLAG } from '../../client/src/lib/page-views.ts';

type Sent = { url: string; init: RequestInit };

function recorder() {
  const sent: Sent[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    sent.push({ url, init });
    return new Response(JSON.stringify({ counted: true }), { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  return { sent, fetch };
}

describe('page-view beacon', () => {
  beforeEach(() => sessionStorage.clear());

  it('sends the page name, first: true once per tab session, and no cookie or id', () => {
    const { sent, fetch } = recorder();
    const count = createPageViewCounter({ token: () => null, fetch });
    count('family-login');
    count('family-login'); // the same screen again is not a new view
    count('parent');
    expect(sent.map((s) => JSON.parse(String(s.init.body)))).toEqual([
      { page: 'family-login', first: true },
      { page: 'parent', first: false },
    ]);
    expect(sent[0]!.url).toBe('/api/v1/stats/page-view');
    expect(sent[0]!.init.method).toBe('POST');
    expect(sent[0]!.init.credentials).toBe('omit');
    expect(Object.keys(sent[0]!.init.headers as object)).toEqual(['content-type']);
    expect(sessionStorage.getItem(FIRST_PAGE_FLAG)).toBe('1');
    expect(document.cookie).toBe('');
  });

  it('a new counter in the same tab session is not a first page; a signed-in view carries the token', () => {
    sessionStorage.setItem(FIRST_PAGE_FLAG, '1');
    const { sent, fetch } = recorder();
    const count = createPageViewCounter({ token: () => 'tok', fetch });
    count('admin-console');
    expect(JSON.parse(String(sent[0]!.init.body))).toEqual({ page: 'admin-console', first: false });
    expect((sent[0]!.init.headers as Record<string, string>).authorization).toBe('Bearer tok');
  });

  it('a failing network never throws into the page', async () => {
    const fetch = (async () => {
      throw new TypeError('offline');
    }) as unknown as typeof globalThis.fetch;
    const count = createPageViewCounter({ token: () => null, fetch, storage: null });
    expect(() => count('parent')).not.toThrow();
    await new Promise((r) => setTimeout(r, 0));
  });
});
