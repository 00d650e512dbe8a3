import { vi } from 'vitest';

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
