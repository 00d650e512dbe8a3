import { vi } from 'vitest';
import { loadStaffMessages } from '../../client/src/lib/i18n/messages.svelte.ts';

// The client project runs its files in one jsdom window per worker (isolate: false in
// vitest.config.ts): making a window and compiling Svelte again for every file was four
// fifths of the client tests' CPU. So each file starts here from what a fresh window
// would give it: no stored data, an empty page, real timers and globals, no spies.
localStorage.clear();
sessionStorage.clear();
document.body.innerHTML = '';
vi.useRealTimers();
vi.unstubAllGlobals();
vi.unstubAllEnvs();
vi.restoreAllMocks();
// Staff screens' messages are a chunk the app loads before a staff screen opens; the tests
// render those screens directly.
await loadStaffMessages();
