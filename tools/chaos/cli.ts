import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkHistory, explainGame } from './checker';
import type { History } from './history';
import { cleanStaleNetworks, netnsAllowed, type NetworkKind } from './netns';
import { REPO, reapOrphans, type NodeSet } from './nodes';
import { runChaos } from './run';

/**
 * npm run chaos -- --schedules N [--seed S] [--duration MS] [--tables T] [--net auto|proxy|netns] [--out DIR] [--verbose 1]
 * npm run chaos -- --check bench/results/chaos/seed-S.json     (check a saved history again)
 *
 * Exit status 0 when every schedule passed, 1 on any violation or problem, 2 on bad arguments,
 * 130 when interrupted (every node process is killed first).
 */

const USAGE = 'usage: npm run chaos -- [--schedules N] [--seed S] [--duration MS] [--tables T] [--net auto|proxy|netns] [--out DIR] [--verbose 1] | --check FILE';

function parse(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (m === null) throw new Error(`unexpected argument ${a}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    args.set(m[1]!, value);
  }
  for (const k of args.keys()) if (!['schedules', 'seed', 'duration', 'tables', 'net', 'out', 'check', 'verbose'].includes(k)) throw new Error(`unknown option --${k}`);
  return args;
}

function int(args: Map<string, string>, key: string, dflt: number, min: number): number {
  const v = args.get(key);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${key} must be an integer of at least ${min}, not ${v}`);
  return n;
}

function checkFile(file: string): number {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { history?: History } & Partial<History>;
  const history = saved.history ?? (saved as History);
  const verdict = checkHistory(history);
  for (const g of verdict.games) for (const line of explainGame(g)) console.log(line);
  console.log(`check: ${verdict.games.length} games, ${verdict.acked} acked ops, ${verdict.lost} lost, ${verdict.duplicated} duplicated, ${verdict.illegal} illegal, divergent ${verdict.divergent}, stale ${verdict.stale}, stream ${verdict.stream}, linearizable: ${verdict.nonLinearizable > 0 ? 'no' : verdict.undecided > 0 ? 'unknown' : 'yes'}`);
  return verdict.ok ? 0 : 1;
}

async function main(): Promise<number> {
  let args: Map<string, string>;
  try {
    args = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`chaos: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const check = args.get('check');
  if (check !== undefined) return checkFile(check);
  const wanted = args.get('net') ?? 'auto';
  if (!['auto', 'proxy', 'netns'].includes(wanted)) {
    console.error(`chaos: --net must be auto, proxy or netns\n${USAGE}`);
    return 2;
  }
  let network: NetworkKind = wanted === 'netns' ? 'netns' : 'proxy';
  if (wanted !== 'proxy' && netnsAllowed()) network = 'netns';
  else if (wanted === 'netns') {
    console.error('chaos: --net netns needs root and `ip netns` (try --net proxy)');
    return 2;
  }
  if (network === 'netns') cleanStaleNetworks();
  const orphans = reapOrphans();
  if (orphans > 0) console.log(`chaos: killed ${orphans} node processes a killed harness had left running`);
  let options;
  try {
    options = {
      schedules: int(args, 'schedules', 1, 1),
      seed: int(args, 'seed', Date.now() % 1_000_000, 0),
      durationMs: int(args, 'duration', 15_000, 1000),
      ...(args.has('tables') ? { tables: int(args, 'tables', 8, 1) } : {}),
    };
  } catch (e) {
    console.error(`chaos: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  let current: NodeSet | undefined;
  const interrupted = (signal: string): void => {
    console.error(`\nchaos: ${signal}: killing the nodes`);
    current?.killNow();
    if (network === 'netns') cleanStaleNetworks(true);
    process.exit(130);
  };
  process.on('SIGINT', () => interrupted('SIGINT'));
  process.on('SIGTERM', () => interrupted('SIGTERM'));
  process.on('exit', () => current?.killNow());
  const started = Date.now();
  console.log(`chaos: ${options.schedules} schedules from seed ${options.seed}, ${options.durationMs} ms of load and faults each, network: ${network}`);
  const summary = await runChaos({
    ...options,
    network,
    out: args.get('out') ?? join(REPO, 'bench', 'results', 'chaos'),
    verbose: args.get('verbose') === '1',
    print: (line) => console.log(line),
    onNodes: (nodes) => (current = nodes),
  });
  console.log(`chaos: wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(summary.lastLine);
  return summary.failed.length === 0 && summary.lastLine.endsWith('linearizable: yes') ? 0 : 1;
}

void main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`chaos: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
