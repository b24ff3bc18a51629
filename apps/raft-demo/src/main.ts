import { type Message, type NodeId } from '@rookery/raft';
import { Prng, SimNode } from '@rookery/raft/testing';

/**
 * `npm start` until the server exists: a 3-node Raft cluster in this process, on a simulated
 * network, narrated as it elects a leader, commits moves, loses its leader and recovers.
 * Real time is only used to pace the narration (one tick every TICK_MS).
 */
const TICK_MS = Number(process.env.ROOKERY_DEMO_TICK_MS ?? 25);
const ids: NodeId[] = ['n1', 'n2', 'n3'];
const rng = new Prng(Number(process.env.ROOKERY_DEMO_SEED ?? 2026));
const nodes = new Map(ids.map((id) => [id, new SimNode(id, ids, {}, rng.fork())]));
const down = new Set<NodeId>();
let inFlight: Message[] = [];
let tick = 0;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const moves = ['e4', 'e5', 'Nf3', 'Nc6', 'Bb5', 'a6', 'Ba4', 'Nf6', 'O-O', 'Be7'];
let nextMove = 0;
let lastLeader = '';
let announced = 0;

function say(line: string): void {
  process.stdout.write(`[tick ${String(tick).padStart(3)}] ${line}\n`);
}

function turn(): void {
  const delivering = inFlight;
  inFlight = [];
  for (const m of delivering) if (!down.has(m.to) && !down.has(m.from)) nodes.get(m.to)!.core?.step(m);
  for (const [id, n] of nodes) {
    if (down.has(id)) continue;
    for (;;) {
      const out = n.processReady({
        applied: (node, e) => {
          if (e.index > announced) {
            announced = e.index;
            if (e.data.length > 0) say(`committed and applied at index ${e.index} (term ${e.term}) first by ${node.id}: move ${decoder.decode(e.data)}`);
          }
        },
      });
      if (out === undefined) break;
      inFlight.push(...out);
    }
  }
  const leader = [...nodes.values()].find((n) => !down.has(n.id) && n.core?.role === 'leader');
  const label = leader ? `${leader.id} at term ${leader.core!.term}` : '';
  if (label !== lastLeader) {
    if (label) say(`leader elected: ${label}`);
    else say('no leader: election in progress');
    lastLeader = label;
  }
}

async function main(): Promise<void> {
  say('3-node Raft cluster starting (pre-vote and check-quorum on, election timeout 10 ticks)');
  for (tick = 1; tick <= 160; tick++) {
    for (const [id, n] of nodes) if (!down.has(id)) n.core?.tick();
    for (let i = 0; i < 4; i++) turn();
    const leader = [...nodes.values()].find((n) => !down.has(n.id) && n.core?.role === 'leader');
    if (leader && tick % 6 === 0 && nextMove < moves.length) {
      const via = ids.filter((id) => !down.has(id))[tick % (3 - down.size)]!;
      const move = moves[nextMove++]!;
      const res = nodes.get(via)!.core!.propose(encoder.encode(move));
      say(`proposed move ${move} at ${via}: ${res.ok ? ('index' in res ? `appended at index ${res.index}` : `forwarded to leader ${res.forwardedTo}`) : res.error.code}`);
    }
    if (tick === 60 && leader) {
      say(`crash: ${leader.id} (the leader) stops; its peers must notice and elect a new one.`);
      say('  a move it had appended but not yet committed is lost: it was never acknowledged');
      down.add(leader.id);
      leader.crash();
    }
    if (tick === 110) {
      for (const id of down) {
        nodes.get(id)!.restart();
        say(`restart: ${id} rejoins from its persisted log and catches up`);
      }
      down.clear();
    }
    if (TICK_MS > 0) await new Promise((r) => setTimeout(r, TICK_MS));
  }
  for (const [id, n] of nodes) {
    const s = n.status()!;
    say(`${id}: ${s.role} at term ${s.term}, commit ${s.commit}, applied ${n.appliedIndex}`);
  }
  say('demo done. The chess server arrives with the next issues; see README.md.');
}

void main();
