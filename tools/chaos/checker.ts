import { ChessModel } from './chess-model';
import { acknowledged, commandsOf, convergence, earliestReplicaReads, illegalPlies, staleReads } from './checks';
import { describeOp, describeView, type History, type Op, type ReadOp, type ViewDigest } from './history';
import { streamFaults, type StreamItem } from './streams';
import { checkLinearizable } from './wgl';

/**
 * The verdict on one schedule's history, game by game (games are independent objects, so each
 * is checked on its own — the P-compositionality that keeps the search small).
 */

export interface GameVerdict {
  game: string;
  ops: number;
  acked: number;
  lost: string[];
  duplicated: string[];
  illegal: string[];
  divergent: string[];
  stale: string[];
  /** Gaps, duplicates and foreign events in what connections received of the game. */
  stream: string[];
  linearizable: 'yes' | 'no' | 'unknown';
  /** Why the search failed: the prefix it managed, the operation it could not place, the states it was in. */
  explanation: string[];
}

export interface Verdict {
  games: GameVerdict[];
  /** Acknowledged commands (create, join, move, resign). */
  acked: number;
  lost: number;
  duplicated: number;
  illegal: number;
  divergent: number;
  stale: number;
  stream: number;
  /** Games whose history is not linearizable; `undecided`: games the search gave up on. */
  nonLinearizable: number;
  undecided: number;
  ok: boolean;
}

export interface CheckOptions {
  /** Search steps per game before it gives up (the verdict is then "unknown", which fails the run). */
  budget?: number;
}

export function checkHistory(history: History, options: CheckOptions = {}): Verdict {
  const ops = attribute(history.ops);
  const byGame = new Map<string, Op[]>();
  for (const op of ops) {
    if (op.game === '') continue;
    const list = byGame.get(op.game);
    if (list === undefined) byGame.set(op.game, [op]);
    else list.push(op);
  }
  for (const f of history.finals) if (!byGame.has(f.game)) byGame.set(f.game, []);
  const streams = new Map<string, StreamItem[]>();
  for (const item of history.streams ?? []) {
    const list = streams.get(item.game);
    if (list === undefined) streams.set(item.game, [item]);
    else list.push(item);
  }
  const games = [...byGame].map(([game, gameOps]) => checkGame(game, gameOps, streams.get(game) ?? [], history, options));
  const sum = (f: (g: GameVerdict) => number): number => games.reduce((a, g) => a + f(g), 0);
  const verdict: Verdict = {
    games,
    acked: sum((g) => g.acked),
    lost: sum((g) => g.lost.length),
    duplicated: sum((g) => g.duplicated.length),
    illegal: sum((g) => g.illegal.length),
    divergent: sum((g) => (g.divergent.length > 0 ? 1 : 0)),
    stale: sum((g) => g.stale.length),
    stream: sum((g) => g.stream.length),
    nonLinearizable: sum((g) => (g.linearizable === 'no' ? 1 : 0)),
    undecided: sum((g) => (g.linearizable === 'unknown' ? 1 : 0)),
    ok: false,
  };
  verdict.ok = verdict.lost + verdict.duplicated + verdict.illegal + verdict.divergent + verdict.stale + verdict.stream + verdict.nonLinearizable + verdict.undecided === 0;
  return verdict;
}

/**
 * A create's game id and token, and a join's token, are learnt from an acknowledgement; every
 * attempt of the same command (session and request id) belongs to that game and seat.
 */
function attribute(ops: readonly Op[]): Op[] {
  const out = ops.map((op) => ({ ...op }));
  for (const attempts of commandsOf(out).values()) {
    const ack = attempts.find((a) => a.outcome === 'ok' && a.game !== '');
    if (ack === undefined) continue;
    for (const a of attempts) {
      if (a.game === '') a.game = ack.game;
      if (a.token === undefined && ack.token !== undefined) a.token = ack.token;
    }
  }
  return out;
}

function checkGame(game: string, ops: Op[], stream: readonly StreamItem[], history: History, options: CheckOptions): GameVerdict {
  const finals = history.finals.filter((f) => f.game === game);
  const { agreed, divergent } = convergence(finals);
  const unanswered = finals.filter((f) => f.view === undefined).map((f) => `${f.node} did not answer`);
  // Without final views (the harness failed before it could read them) nothing can be called lost.
  const { lost, duplicated } = finals.length > 0 ? acknowledged(ops, agreed) : { lost: [], duplicated: [] };
  const verdict: GameVerdict = {
    game,
    ops: ops.length,
    acked: ops.filter((o) => o.kind !== 'read' && o.outcome === 'ok').length,
    lost,
    duplicated,
    illegal: agreed ? illegalPlies(agreed.moves) : [],
    divergent: [...divergent, ...(divergent.length === 0 ? unanswered : [])],
    stale: staleReads(ops),
    // Against the final game only when the nodes agree on it (divergence is its own finding).
    stream: divergent.length === 0 ? streamFaults(stream, new Map([[game, agreed]])) : [],
    linearizable: 'yes',
    explanation: [],
  };
  // Definite failures never took effect: they constrain nothing. Unknown ones may take effect
  // any time after their invoke, or never.
  const placed: Op[] = condense(ops).filter((o) => !noTrace(o, agreed));
  const reads = ops.filter((o): o is ReadOp => o.kind === 'read' && o.outcome === 'ok');
  placed.push(...reads.filter((r) => r.consistency === 'linearizable'));
  placed.push(...earliestReplicaReads(reads.filter((r) => r.consistency === 'replica')));
  if (agreed !== undefined && finals.length > 0) {
    placed.push({ kind: 'read', consistency: 'linearizable', id: -1, client: 'check', game, via: 'http', node: 'all', outcome: 'ok', invoke: history.finalWindow.invoke, complete: history.finalWindow.complete, view: agreed });
  }
  const intervals = placed.map((o) => ({
    // A replica read may show any state before its answer (see ReadOp).
    invoke: o.kind === 'read' && o.consistency === 'replica' ? -Infinity : o.invoke,
    complete: o.outcome === 'unknown' ? Infinity : o.complete,
  }));
  const model = new ChessModel(game, placed);
  const result = checkLinearizable(intervals, model, options.budget);
  if (result.result === 'linearizable') return verdict;
  if (result.result === 'unknown') {
    verdict.linearizable = 'unknown';
    verdict.explanation.push(`the search gave up after ${result.steps} steps over ${placed.length} operations`);
    return verdict;
  }
  verdict.linearizable = 'no';
  verdict.explanation.push(
    `linearized ${result.longest.length} of ${placed.length} operations, then could not place ${describeOp(placed[result.blocked]!)}`,
    `the game could then be: ${result.states.map((s) => describeView(model.view(s))).join(' | ')}`,
    `the prefix: ${result.longest.map((i) => `#${placed[i]!.id}`).join(' ')}`,
  );
  return verdict;
}

/**
 * The commands the search places, fewer than the attempts made: the state machine applies one
 * command (session and request id) at most once, so the attempts whose outcome is unknown are
 * one operation that may take effect once, any time after the first of them was sent. An
 * acknowledgement pins it down: a first application answered means the unknown attempts did
 * nothing; a duplicate answered means one of them took effect, before that answer, with the
 * version answered. (Were commands applied twice, the final game would show a move no
 * operation explains: still a violation.)
 */
function condense(ops: readonly Op[]): Op[] {
  const out: Op[] = [];
  for (const attempts of commandsOf(ops).values()) {
    const acks = attempts.filter((a) => a.outcome === 'ok');
    const unknown = attempts.filter((a) => a.outcome === 'unknown');
    out.push(...acks);
    if (unknown.length === 0 || acks.some((a) => a.duplicate !== true)) continue;
    const first = unknown.reduce((a, b) => (b.invoke < a.invoke ? b : a));
    const dup = acks.reduce<(typeof acks)[number] | undefined>((a, b) => (a === undefined || b.complete < a.complete ? b : a), undefined);
    if (dup !== undefined && first.invoke < dup.complete) out.push({ ...first, outcome: 'ok', version: dup.version!, duplicate: false, complete: dup.complete });
    else out.push(first);
  }
  return out;
}

/**
 * An unknown move that is not in the final game: had it taken effect before the final read, the
 * move would be there (moves are never taken back); after it, it changes nothing the history
 * shows. Either way the search need not try it — and with many such moves pending, trying them
 * all is what makes a search explode.
 */
function noTrace(op: Op, final: ViewDigest | null | undefined): boolean {
  return op.kind === 'move' && op.outcome === 'unknown' && final !== undefined && (final === null || !final.moves.includes(op.move!));
}

/** The lines a person reads for a failed game. */
export function explainGame(g: GameVerdict): string[] {
  const lines: string[] = [];
  const add = (what: string, list: string[]): void => {
    for (const l of list) lines.push(`  ${what}: ${l}`);
  };
  add('lost', g.lost);
  add('duplicated', g.duplicated);
  add('illegal', g.illegal);
  add('divergent', g.divergent);
  add('stale', g.stale);
  add('stream', g.stream);
  if (g.linearizable !== 'yes') add(`linearizable: ${g.linearizable}`, g.explanation);
  return lines.length > 0 ? [`game ${g.game} (${g.ops} operations, ${g.acked} acknowledged):`, ...lines] : [];
}
