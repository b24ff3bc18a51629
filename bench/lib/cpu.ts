import { readFileSync } from 'node:fs';

/**
 * CPU time a process has used (user + system, ms), from /proc: what a move costs each process,
 * which — unlike moves per second — holds still when other work shares the machine.
 */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) are counted from its closing paren.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}
