import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainGame, type Verdict } from './checker';
import type { NetworkKind } from './netns';
import type { NodeSet } from './nodes';
import { runSchedule, type ScheduleResult } from './schedule';

/**
 * Runs schedules one after another (seeds `seed`, `seed + 1`, … so the cluster size alternates
 * 3, 5), prints a line per schedule and, for a failed one, why, where its history was written
 * and how to replay it; ends with the one summary line.
 */

export interface RunOptions {
  schedules: number;
  seed: number;
  durationMs: number;
  tables?: number;
  network: NetworkKind;
  /** Where a failed schedule's history goes. */
  out: string;
  print: (line: string) => void;
  /** Print every schedule's fault log, not only a failed one's. */
  verbose?: boolean;
  onNodes?: (nodes: NodeSet | undefined) => void;
}

/** The checker's counts, summed over the schedules. */
export interface RunSummary extends Pick<Verdict, 'acked' | 'lost' | 'duplicated' | 'illegal' | 'divergent' | 'stale' | 'stream' | 'nonLinearizable' | 'undecided'> {
  schedules: number;
  /** Seeds of the schedules that failed, for any reason. */
  failed: number[];
  lastLine: string;
}

export async function runChaos(o: RunOptions): Promise<RunSummary> {
  const s: RunSummary = { schedules: 0, acked: 0, lost: 0, duplicated: 0, illegal: 0, divergent: 0, stale: 0, stream: 0, nonLinearizable: 0, undecided: 0, failed: [], lastLine: '' };
  for (let i = 0; i < o.schedules; i++) {
    const seed = o.seed + i;
    const r = await runSchedule({ seed, durationMs: o.durationMs, network: o.network, ...(o.tables !== undefined ? { tables: o.tables } : {}), ...(o.onNodes ? { onNodes: o.onNodes } : {}) });
    const v = r.verdict;
    s.schedules++;
    s.acked += v.acked;
    s.lost += v.lost;
    s.duplicated += v.duplicated;
    s.illegal += v.illegal;
    s.divergent += v.divergent;
    s.stale += v.stale;
    s.stream += v.stream;
    s.nonLinearizable += v.nonLinearizable;
    s.undecided += v.undecided;
    const failed = !v.ok || r.problems.length > 0;
    o.print(`[${i + 1}/${o.schedules}] ${scheduleLine(r)} — ${failed ? 'FAILED' : 'ok'} (${(r.wallMs / 1000).toFixed(1)} s)`);
    if (o.verbose && !failed) for (const line of r.history.faults) o.print(`  ${line}`);
    if (failed) {
      s.failed.push(seed);
      for (const g of v.games) for (const line of explainGame(g)) o.print(line);
      for (const p of r.problems) o.print(`  problem: ${p}`);
      const file = save(o.out, r);
      o.print(`  faults: ${r.history.faults.join(' | ')}`);
      o.print(`  history: ${file}`);
      o.print(`  seed ${seed}; replay: npm run chaos -- --seed ${seed} --schedules 1`);
    }
  }
  if (s.failed.length > 0) {
    o.print(`chaos: FAILED seeds ${s.failed.join(', ')} — divergent ${s.divergent}, stale reads ${s.stale}, event stream faults ${s.stream}, non-linearizable ${s.nonLinearizable}, undecided ${s.undecided}`);
  }
  const linearizable = s.nonLinearizable + s.undecided === 0 ? 'yes' : s.nonLinearizable > 0 ? 'no' : 'unknown';
  // Printed by the caller, last of all.
  s.lastLine = `chaos: ${s.schedules} schedules, ${s.acked} acked ops, ${s.lost} lost, ${s.duplicated} duplicated, ${s.illegal} illegal, linearizable: ${linearizable}`;
  return s;
}

function scheduleLine(r: ScheduleResult): string {
  const ops = r.history.ops;
  const count = (f: (op: (typeof ops)[number]) => boolean): number => ops.filter(f).length;
  const faults = [...r.faults].map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  return (
    `seed ${r.seed}: ${r.size} nodes (${r.network}${r.snapshots ? ', snapshots' : ''}), ${r.verdict.games.length} games, ` +
    `${count((o) => o.kind !== 'read')} commands (${r.verdict.acked} acked, ${count((o) => o.kind !== 'read' && o.outcome === 'unknown')} unknown, ` +
    `${count((o) => o.kind !== 'read' && o.outcome === 'fail')} refused), ${count((o) => o.kind === 'read')} reads, ${r.history.streams?.length ?? 0} events received; faults: ${faults}`
  );
}

/** Writes the failed schedule's history, verdict and node output as JSON; `npm run chaos -- --check <file>` checks it again. */
function save(dir: string, r: ScheduleResult): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `seed-${r.seed}.json`);
  const failing = r.verdict.games.filter((g) => g.linearizable !== 'yes' || g.lost.length + g.duplicated.length + g.illegal.length + g.divergent.length + g.stale.length + g.stream.length > 0);
  writeFileSync(file, JSON.stringify({ history: r.history, problems: r.problems, failing, outputs: r.outputs }, null, 1));
  return file;
}
