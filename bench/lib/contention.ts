import { readFileSync, readdirSync } from 'node:fs';

/**
 * How much CPU this machine gave to processes that are not this benchmark's while it ran: a
 * figure measured beside someone else's load is not this system's figure, and says so here.
 * Once a second it reads every process's CPU time from /proc and splits it into ours (this
 * process and its descendants: nodes, load generators) and foreign (everything else).
 */

export interface Contention {
  /** Mean CPUs used over the run (1 = one CPU busy throughout): by this benchmark's processes, and by the others. */
  ours: number;
  foreign: number;
  /** The machine's CPUs. */
  cpus: number;
}

interface Proc {
  ppid: number;
  cpu: number; // ms
}

function processes(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // After the command name (which may hold spaces and parentheses): state, ppid, … utime, stime.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(pid), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) * 10 });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return out;
}

/** Starts sampling; `stop` ends it and answers the means since the start. */
export function watchContention(periodMs = 1000): { stop(): Contention } {
  const cpus = Number(readFileSync('/proc/stat', 'utf8').match(/^cpu\d+ /gm)?.length ?? 1);
  const t0 = Date.now();
  let last = processes();
  let ours = 0;
  let foreign = 0;
  const sample = (): void => {
    const now = processes();
    const mine = (pid: number): boolean => {
      for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; p = now.get(p)?.ppid, hops++) if (p === process.pid) return true;
      return false;
    };
    for (const [pid, p] of now) {
      // A process new since the last sample used all its CPU time in this period.
      const used = p.cpu - (last.get(pid)?.cpu ?? 0);
      if (mine(pid)) ours += used;
      else foreign += used;
    }
    last = now;
  };
  const timer = setInterval(sample, periodMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      const ms = Math.max(1, Date.now() - t0);
      const r = (x: number): number => Math.round((x / ms) * 100) / 100;
      return { ours: r(ours), foreign: r(foreign), cpus };
    },
  };
}
