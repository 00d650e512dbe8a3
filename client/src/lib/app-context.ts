import type { Me } from '../../../protocol/schemas.ts';
import type { Announcer } from './announcer.svelte.ts';
import type { ApiClient } from './api.ts';
import type { LiveConnection } from './live-connection.svelte.ts';
import type { CountPageView } from './page-views.ts';

/** What every signed-in view is given: nothing global, everything passed in. */
export interface AppContext {
  api: ApiClient;
  connection: LiveConnection;
  announcer: Announcer;
  me: Me;
  signOut(): void;
  /** Counts an anonymous page view when a view changes section (docs/schools.md). */
  countPage?: CountPageView;
}
