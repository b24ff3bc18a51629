import { simulate, type SimResult } from './simulator';

/**
 * `npm run sim -- --seeds N --nodes K [--start S] [--seed S --trace]`
 * Runs N seeds (S, S+1, …) and ends with exactly `sim: N seeds, V violations`.
 */
function main(argv: string[]): number {
  const args = parseArgs(argv);
  const nodes = num(args, 'nodes', 3);
  const single = args.get('seed');
  const start = single !== undefined ? Number(single) : num(args, 'start', 1);
  const seeds = single !== undefined ? 1 : num(args, 'seeds', 100);
  const trace = args.has('trace') ? (line: string) => process.stdout.write(`${line}\n`) : undefined;
  const chaosTime = args.has('time') ? num(args, 'time', 3000) : undefined;
  const livenessTicks = args.has('liveness') ? num(args, 'liveness', 60) : undefined;

  let violations = 0;
  let failedSeeds = 0;
  const began = Date.now();
  let lastReport = began;
  const totals = { proposals: 0, acked: 0, reads: 0, confChanges: 0, snapshots: 0, snapshotsInstalled: 0, transfers: 0, resized: 0, messages: 0, crashes: 0, partitions: 0, leaders: 0, healed: [] as number[] };
  for (let seed = start; seed < start + seeds; seed++) {
    const res: SimResult = simulate({ seed, nodes, ...(trace ? { trace } : {}), ...(chaosTime ? { chaosTime } : {}), ...(livenessTicks ? { livenessTicks } : {}) });
    totals.proposals += res.stats.proposals;
    totals.acked += res.stats.acked;
    totals.reads += res.stats.reads;
    totals.confChanges += res.stats.confChanges;
    totals.snapshots += res.stats.snapshots;
    totals.snapshotsInstalled += res.stats.snapshotsInstalled;
    totals.transfers += res.stats.transfers;
    totals.resized += res.stats.resized;
    totals.messages += res.stats.messages;
    totals.crashes += res.stats.crashes;
    totals.partitions += res.stats.partitions;
    totals.leaders += res.stats.leaders;
    totals.healed.push(res.stats.healedAfterTicks);
    if (res.violations.length > 0) {
      violations += res.violations.length;
      failedSeeds++;
      process.stdout.write(`seed ${seed} (${nodes} nodes): ${res.violations.length} violation(s)\n`);
      for (const v of res.violations) process.stdout.write(`  ${v}\n`);
      const extra = `${chaosTime ? ` --time ${chaosTime}` : ''}${livenessTicks ? ` --liveness ${livenessTicks}` : ''}`;
      process.stdout.write(`  replay: npm run sim -- --seed ${seed} --nodes ${nodes}${extra} --trace\n`);
    }
    const t = Date.now();
    if (!trace && t - lastReport > 5000) {
      lastReport = t;
      process.stderr.write(`sim: ${seed - start + 1}/${seeds} seeds, ${violations} violations, ${((t - began) / 1000).toFixed(0)} s\n`);
    }
  }
  const healed = totals.healed.filter((h) => h > 0).sort((a, b) => a - b);
  const pct = (p: number): number => healed[Math.min(healed.length - 1, Math.floor((healed.length * p) / 100))] ?? 0;
  process.stdout.write(
    `sim: ${nodes} nodes, ${((Date.now() - began) / 1000).toFixed(1)} s; ${totals.proposals} proposals, ${totals.acked} acknowledged, ${totals.reads} linearizable reads, ${totals.confChanges} membership changes, ${totals.snapshots} snapshots (${totals.snapshotsInstalled} installed), ${totals.transfers} leadership transfers, ${totals.resized} runs resized ${nodes}->${nodes + 2}->${nodes}, ` +
      `${totals.messages} messages, ${totals.crashes} crashes, ${totals.partitions} partitions, ${totals.leaders} leaders elected; ` +
      `ticks to recover after healing p50 ${pct(50)} p99 ${pct(99)} max ${healed[healed.length - 1] ?? 0}; ${failedSeeds} failing seeds\n`,
  );
  process.stdout.write(`sim: ${seeds} seeds, ${violations} violations\n`);
  return violations > 0 ? 1 : 0;
}

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out.set(a.slice(2), next);
      i++;
    } else out.set(a.slice(2), '');
  }
  return out;
}

function num(args: Map<string, string>, name: string, dflt: number): number {
  const v = args.get(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got '${v}'`);
  return n;
}

process.exitCode = main(process.argv.slice(2));
