import { readFileSync } from 'node:fs';

/**
 * Where a window of wall time went, from the Linux scheduler's own counters: for a process's
 * main thread (a Node process's event loop), the time it ran and the time it was runnable but
 * waiting for a CPU (/proc/PID/schedstat, in ns); for the machine, the time its CPUs were busy
 * (/proc/stat, in clock ticks). Wait time is the sign of CPU contention: a loop that waits for
 * the CPU is slow because something else ran, not because of its own work.
 */

export interface Sched {
  /** ms on a CPU */
  run: number;
  /** ms runnable, waiting for a CPU */
  wait: number;
}

const ZERO: Sched = { run: 0, wait: 0 };

/** The main thread's counters (zeros where /proc is missing or the process has gone). */
export function sched(pid: number | 'self'): Sched {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return { run: run! / 1e6, wait: wait! / 1e6 };
  } catch {
    return ZERO;
  }
}

/** ms of CPU time the whole machine spent busy (everything but idle and iowait), summed over its CPUs. */
export function machineBusy(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - f[3]! - f[4]!) * 10; // clock ticks of 10 ms (USER_HZ 100)
  } catch {
    return 0;
  }
}

export const minus = (a: Sched, b: Sched): Sched => ({ run: a.run - b.run, wait: a.wait - b.wait });
export const plus = (a: Sched, b: Sched): Sched => ({ run: a.run + b.run, wait: a.wait + b.wait });
