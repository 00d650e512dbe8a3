import { readdirSync, readFileSync } from 'node:fs';

// /proc/<pid>/stat counts in clock ticks; 100 a second on Linux (getconf CLK_TCK).
const TICK_MS = 10;

interface Stat {
  ppid: number;
  /** utime + stime: the process's own CPU. */
  own: number;
  /** cutime + cstime: CPU of its children that have exited and been reaped. */
  reaped: number;
}

function stat(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
  return {
    ppid: Number(f[1]),
    own: (Number(f[11]) + Number(f[12])) * TICK_MS,
    reaped: (Number(f[13]) + Number(f[14])) * TICK_MS,
  };
}

/** CPU milliseconds a single process has used so far (0 once it is gone). */
export function processCpuMs(pid: number): number {
  return stat(pid)?.own ?? 0;
}

/**
 * CPU milliseconds of a process and all its descendants so far: the live ones'
 * own time plus what exited children left in their parent's cutime/cstime. For a
 * PostgreSQL postmaster this is the whole cluster: every backend (also those that
 * came and went during the window), the WAL writer, the checkpointer.
 */
export function treeCpuMs(root: number): number {
  const children = new Map<number, number[]>();
  const stats = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (!s) continue;
    stats.set(pid, s);
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  let total = 0;
  const walk = (pid: number, isRoot: boolean) => {
    const s = stats.get(pid);
    if (!s) return;
    total += s.own + (isRoot ? s.reaped : 0);
    for (const c of children.get(pid) ?? []) walk(c, false);
  };
  walk(root, true);
  return total;
}

export type CpuReading = Record<string, number>;

/** What the named processes used between two readings. */
export function cpuDelta(before: CpuReading, after: CpuReading): CpuReading {
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)]));
}
