import { MemoryStorage, RaftCore, type Message, type NodeId } from '../src/index';

/**
 * bench:raft-core — three in-memory cores, instant delivery, 128-byte entries, one CPU core.
 * Each turn the client proposes a batch at the leader; every node then handles its Ready
 * (persisting to MemoryStorage, sending, applying) and messages are delivered at once. The
 * figure is entries committed on the leader per second of wall time.
 * Options: --seconds S (default 5), --batch B (proposals per turn, default 512), --runs R.
 */
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const seconds = Number(args.get('seconds') ?? 5);
const batch = Number(args.get('batch') ?? 512);
const runs = Number(args.get('runs') ?? 3);
const ENTRY = 128;

function run(durationMs: number): { entries: number; ms: number; turns: number } {
  const ids: NodeId[] = ['n1', 'n2', 'n3'];
  let seed = 1;
  const cores = new Map<NodeId, { core: RaftCore; storage: MemoryStorage }>();
  for (const id of ids) {
    const storage = new MemoryStorage();
    const core = new RaftCore({ id, voters: ids, randomInt: (n) => (seed = (seed * 48271) % 2147483647) % n }, storage);
    cores.set(id, { core, storage });
  }
  let inbox: Message[] = [];
  let applied = 0;
  const turn = (): void => {
    const msgs = inbox;
    inbox = [];
    for (const m of msgs) cores.get(m.to)!.core.step(m);
    for (const [id, { core, storage }] of cores) {
      while (core.hasReady()) {
        const rd = core.ready();
        if (rd.hardState) storage.setHardState(rd.hardState);
        storage.append(rd.entries);
        for (const m of rd.messages) inbox.push(m);
        if (id === 'n1') applied += rd.committedEntries.length;
        core.advance(rd);
      }
    }
  };
  const leader = cores.get('n1')!.core;
  leader.campaign();
  for (let i = 0; i < 20 && leader.role !== 'leader'; i++) turn();
  if (leader.role !== 'leader') throw new Error('bench: n1 did not become leader');
  for (let i = 0; i < 5; i++) turn();
  const payload = new Uint8Array(ENTRY).fill(7);
  const startApplied = applied;
  const t0 = process.hrtime.bigint();
  let turns = 0;
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < batch; i++) {
      const res = leader.propose(payload);
      if (!res.ok) throw new Error(`bench: proposal refused: ${res.error.code}`);
    }
    turn();
    turns++;
    if ((turns & 15) === 0) elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  // Drain what is in flight so every counted entry is committed.
  for (let i = 0; i < 10; i++) turn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { entries: applied - startApplied, ms, turns };
}

run(500); // warm up the JIT
const rates: number[] = [];
for (let r = 0; r < runs; r++) {
  const { entries, ms, turns } = run(seconds * 1000);
  const rate = (entries / ms) * 1000;
  rates.push(rate);
  process.stdout.write(`run ${r + 1}: ${entries} entries committed in ${ms.toFixed(0)} ms over ${turns} turns: ${Math.round(rate)} entries/s\n`);
}
rates.sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)]!;
process.stdout.write(`median of ${runs} runs, batch ${batch}, ${ENTRY}-byte entries, 3 cores, one CPU core\n`);
process.stdout.write(`bench:raft-core: ${Math.round(median)} entries/s\n`);
