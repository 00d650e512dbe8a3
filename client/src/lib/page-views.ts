/**
 * Anonymous page-view counting (docs/schools.md, `countPageView`): the route name and
 * whether this is the first page of the tab's session. No cookie, no id: the only thing
 * kept in the browser is a flag in sessionStorage, which dies with the tab.
 */
import type { KnownPage } from '../../../protocol/schools.ts';

export const FIRST_PAGE_FLAG = 'confer.visited';

export interface PageViewDeps {
  /** The session's bearer token, so the view counts for its school (nothing of it is stored). */
  token: () => string | null;
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null;
  fetch?: typeof fetch;
}

/** Only the server's known pages: any other name is refused (protocol/schools.ts, KNOWN_PAGES). */
export type CountPageView = (page: KnownPage) => void;

export function createPageViewCounter(deps: PageViewDeps): CountPageView {
  const doFetch = deps.fetch ?? ((input, init) => fetch(input, init));
  let last: KnownPage | null = null;
  return (page) => {
    // A re-render of the same screen is not a new view.
    if (page === last) return;
    last = page;
    const first = isFirstPage(deps.storage === undefined ? safeSessionStorage() : deps.storage);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const token = deps.token();
    if (token) headers.authorization = `Bearer ${token}`;
    // keepalive: a view counted just before the tab closes still arrives. Failures are
    // ignored on purpose: statistics must never get in the way of booking.
    void doFetch('/api/v1/stats/page-view', {
      method: 'POST',
      headers,
      body: JSON.stringify({ page, first }),
      keepalive: true,
      credentials: 'omit',
    }).catch(() => undefined);
  };
}

function isFirstPage(storage: Pick<Storage, 'getItem' | 'setItem'> | null): boolean {
  if (!storage) return false;
  try {
    if (storage.getItem(FIRST_PAGE_FLAG) !== null) return false;
    storage.setItem(FIRST_PAGE_FLAG, '1');
    return true;
  } catch {
    return false;
  }
}

function safeSessionStorage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}
