import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

/**
 * `npm start` / `npm run workers` in production: runs the real entry as a child and
 * starts it again when it dies abnormally, waiting longer after each crash in quick
 * succession (0.5 s doubling to 30 s; a run of a minute resets it). A school's IT
 * person gets a server that comes back after a fault without installing systemd
 * units or pm2. SIGTERM/SIGINT are passed to the child and end the supervisor with
 * it; exit code 0 (a clean shutdown) and 2 (bad configuration, which a restart
 * cannot fix) are not restarted.
 *
 * Usage: tsx server/scripts/supervise.ts <entry.ts>
 */
const entry = process.argv[2];
if (!entry) {
  console.error('usage: supervise <entry.ts>');
  process.exit(2);
}

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
const STABLE_AFTER_MS = 60_000;
const NOT_RESTARTED = new Set([0, 2]);

let child: ChildProcess | null = null;
let stopping = false;
let delay = FIRST_DELAY_MS;

function start(): void {
  const startedAt = Date.now();
  // The child runs under the same loader (tsx) as this script.
  child = fork(path.resolve(entry!), process.argv.slice(3), { stdio: 'inherit', execArgv: process.execArgv });
  child.on('exit', (code, signal) => {
    child = null;
    if (stopping) process.exit(code ?? 0);
    if (code !== null && NOT_RESTARTED.has(code)) process.exit(code);
    if (Date.now() - startedAt > STABLE_AFTER_MS) delay = FIRST_DELAY_MS;
    console.error(
      `supervise: ${entry} exited (${signal ?? `code ${code}`}); starting it again in ${delay} ms`,
    );
    setTimeout(start, delay);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  });
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    stopping = true;
    if (child) child.kill(signal);
    else process.exit(0);
  });
}

start();
