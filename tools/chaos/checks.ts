import { ChessMachine } from '@rookery/chess-fsm';
import { Chess } from 'chess.js';
import { describeOp, describeView, sameView, type CommandOp, type FinalView, type Op, type ReadOp, type ViewDigest } from './history';

/**
 * The checks that need no search, each on one game: the nodes agree, the final game is legal
 * chess, every acknowledged command is in it exactly once, and no process answered a read older
 * than what it had already answered. Each returns one line per problem, for people.
 */

/** The view most nodes hold (the others are listed as divergent), and whether every node holds it. */
export function convergence(finals: readonly FinalView[]): { agreed: ViewDigest | null | undefined; divergent: string[] } {
  const groups: { view: ViewDigest | null | undefined; nodes: string[] }[] = [];
  for (const f of finals) {
    const g = groups.find((x) => sameView(x.view, f.view));
    if (g !== undefined) g.nodes.push(f.node);
    else groups.push({ view: f.view, nodes: [f.node] });
  }
  groups.sort((a, b) => b.nodes.length - a.nodes.length);
  const agreed = groups[0]?.view;
  const divergent = groups.length > 1 ? groups.map((g) => `${g.nodes.join(',')}: ${describeView(g.view)}`) : [];
  return { agreed, divergent };
}

/** Replays the final moves through chess.js from the start: the plies it refuses. */
export function illegalPlies(moves: readonly string[]): string[] {
  const chess = new Chess();
  for (let i = 0; i < moves.length; i++) {
    const uci = moves[i]!;
    try {
      chess.move({ from: uci.slice(0, 2), to: uci.slice(2, 4), ...(uci.length > 4 ? { promotion: uci[4] } : {}) });
    } catch {
      // One illegal ply makes the rest meaningless: the position is not the one the players saw.
      return [`ply ${i + 1} ${uci} is illegal after [${moves.slice(0, i).join(' ')}] (${chess.fen()})`];
    }
  }
  return [];
}

/** The game's version after each ply of `moves` (the state machine's events decide how far each move bumps it). */
export function plyVersions(moves: readonly string[]): number[] {
  return replay(moves).after;
}

/** The version of each ply's own `moved` event (the first of the events its move causes), with its move. */
export function movedVersions(moves: readonly string[]): Map<number, string> {
  return replay(moves).moved;
}

function replay(moves: readonly string[]): { after: number[]; moved: Map<number, string> } {
  const m = new ChessMachine();
  const tokens = { white: 'replay-white-token', black: 'replay-black-token' };
  const at = 1_700_000_000_000;
  m.apply({ type: 'create', requestId: 'c', session: 'replay-w', gameId: 'g', token: tokens.white, color: 'white', timeControl: null }, at);
  m.apply({ type: 'join', requestId: 'j', session: 'replay-b', gameId: 'g', token: tokens.black }, at);
  const after: number[] = [];
  const moved = new Map<number, string>();
  for (let i = 0; i < moves.length; i++) {
    const { result, events } = m.apply({ type: 'move', requestId: `m${i}`, session: i % 2 === 0 ? 'replay-w' : 'replay-b', gameId: 'g', token: i % 2 === 0 ? tokens.white : tokens.black, move: moves[i]! }, at);
    if (!result.ok || !('version' in result) || result.version === undefined) break;
    after.push(result.version);
    for (const e of events) if (e.type === 'moved') moved.set(e.version, e.uci);
  }
  return { after, moved };
}

/** One command as its attempts: the same session and request id. */
export function commandsOf(ops: readonly Op[]): Map<string, CommandOp[]> {
  const out = new Map<string, CommandOp[]>();
  for (const op of ops) {
    if (op.kind === 'read') continue;
    const k = `${op.session}/${op.requestId}`;
    const list = out.get(k);
    if (list === undefined) out.set(k, [op]);
    else list.push(op);
  }
  return out;
}

/**
 * Every acknowledged command is in the final game, once: an acknowledged move at the version it
 * was answered with (lost otherwise); one command answered with two versions, or two commands
 * answered with one ply, is a duplicate. An acknowledged create must leave a game, a join a
 * started one, a resignation an ended one.
 */
export function acknowledged(ops: readonly Op[], final: ViewDigest | null | undefined): { lost: string[]; duplicated: string[] } {
  const lost: string[] = [];
  const duplicated: string[] = [];
  const moves = final?.moves ?? [];
  const versions = plyVersions(moves);
  const plyOwner = new Map<number, CommandOp>();
  for (const attempts of commandsOf(ops).values()) {
    const acks = attempts.filter((a) => a.outcome === 'ok');
    if (acks.length === 0) continue;
    const first = acks[0]!;
    const answered = [...new Set(acks.map((a) => a.version))];
    if (answered.length > 1) duplicated.push(`${first.kind} [${first.requestId}] answered with versions ${answered.join(', ')}: applied more than once (${acks.map(describeOp).join('; ')})`);
    if (first.kind === 'move') {
      const ply = versions.indexOf(first.version!);
      if (ply < 0 || moves[ply] !== first.move) {
        lost.push(`acknowledged ${describeOp(first)}, but the final game has ${ply < 0 ? `no ply at v${first.version}` : `${moves[ply]} there`}: ${describeView(final)}`);
        continue;
      }
      const other = plyOwner.get(ply);
      if (other !== undefined) duplicated.push(`ply ${ply + 1} (v${first.version}) acknowledged to two commands: ${describeOp(other)} and ${describeOp(first)}`);
      else plyOwner.set(ply, first);
    } else if (final === null || final === undefined) {
      lost.push(`acknowledged ${describeOp(first)}, but no node knows the game`);
    } else if (first.kind === 'join' && final.status === 'waiting') {
      lost.push(`acknowledged ${describeOp(first)}, but the final game still waits for a player`);
    } else if (first.kind === 'resign' && final.status !== 'ended') {
      lost.push(`acknowledged ${describeOp(first)}, but the final game has not ended`);
    }
  }
  return { lost, duplicated };
}

/**
 * Replica reads may trail the leader, but one process never goes back: once it has answered
 * version v (an acknowledgement, sent after it applied the command, or a read), a read it
 * answers later must show v or newer. A restarted process is another process (`node#pid`).
 */
export function staleReads(ops: readonly Op[]): string[] {
  const out: string[] = [];
  const byProcess = new Map<string, Op[]>();
  for (const op of ops) {
    if (op.process === undefined || op.outcome !== 'ok') continue;
    const list = byProcess.get(op.process);
    if (list === undefined) byProcess.set(op.process, [op]);
    else list.push(op);
  }
  for (const list of byProcess.values()) {
    for (const read of list) {
      if (read.kind !== 'read') continue;
      const seen = (read.view?.version ?? 0);
      const before = list.filter((e) => e.complete < read.invoke);
      const newest = before.reduce<Op | undefined>((best, e) => (versionOf(e) > (best === undefined ? -1 : versionOf(best)) ? e : best), undefined);
      if (newest !== undefined && versionOf(newest) > seen) out.push(`stale read: ${describeOp(read)}, after the same process answered v${versionOf(newest)} (${describeOp(newest)})`);
    }
  }
  return out;
}

function versionOf(op: Op): number {
  return op.kind === 'read' ? (op.view?.version ?? 0) : (op.version ?? 0);
}

/**
 * Replica reads for the search: one per distinct view, the one answered first. A replica read
 * may be placed at any point before its answer, so a later read of the same view constrains
 * nothing the first does not.
 */
export function earliestReplicaReads(reads: readonly ReadOp[]): ReadOp[] {
  const first = new Map<string, ReadOp>();
  for (const r of reads) {
    const k = describeView(r.view);
    const known = first.get(k);
    if (known === undefined || r.complete < known.complete) first.set(k, r);
  }
  return [...first.values()];
}
