// PostgreSQL's CPU for bench/dispatch.ts, read from /proc: utime + stime (fields 14 and 15 of
// /proc/<pid>/stat, in clock ticks of 10 ms) of postgres processes.
import { readdirSync, readFileSync } from 'node:fs';

function ticksOf(pid: string): { ticks: number; title: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) return null;
    const fields = stat.slice(close + 2).split(' ');
    const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return { ticks: Number(fields[11]) + Number(fields[12]), title };
  } catch {
    return null; // the process has ended meanwhile
  }
}

/**
 * Counts, from now until read, the CPU of (a) every postgres process on the machine and (b) only the
 * backends connected to `database` (their process title names it), except `skipPids` (the bench's
 * own connection). The machine is shared: (b) leaves out other users of the server, (a) includes
 * the server's own background work (WAL writer, checkpointer). Backends that start meanwhile count
 * from zero; backends that end are counted up to the last sample (every 100 ms).
 */
export function postgresCpu(database: string, skipPids: ReadonlySet<number>): { stop: () => { allMs: number; ownMs: number } } {
  const start = new Map<string, number>();
  const last = new Map<string, { ticks: number; own: boolean }>();
  // A backend's title: "postgres: [cluster: ]user database host(port) state".
  const own = (title: string, pid: string) => /^postgres: (?:\S+: )?\S+ (\S+) /.exec(title)?.[1] === database && !skipPids.has(Number(pid));
  const sample = (first: boolean) => {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const t = ticksOf(pid);
      if (t === null) continue;
      if (first) start.set(pid, t.ticks);
      last.set(pid, { ticks: t.ticks, own: own(t.title, pid) });
    }
  };
  sample(true);
  const timer = setInterval(() => sample(false), 100);
  return {
    stop() {
      clearInterval(timer);
      sample(false);
      let all = 0;
      let mine = 0;
      for (const [pid, l] of last) {
        const used = l.ticks - (start.get(pid) ?? 0);
        all += used;
        if (l.own) mine += used;
      }
      return { allMs: all * 10, ownMs: mine * 10 };
    },
  };
}
