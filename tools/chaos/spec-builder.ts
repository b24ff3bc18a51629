import { plyVersions } from './checks';
import type { CommandOp, FinalView, History, Op, Outcome, ReadOp, ViewDigest } from './history';
import type { StreamItem } from './streams';

/**
 * Hand-written histories for the checker's tests: one game between `white` and `black`, each
 * operation placed on the time line by hand, so a test reads like the interleaving it describes.
 */

export const GAME = 'g1';
export const WHITE = { session: 'white-session', token: 'white-token-0123456789' };
export const BLACK = { session: 'black-session', token: 'black-token-0123456789' };

interface When {
  at: number;
  done?: number;
  outcome?: Outcome;
  code?: string;
  node?: string;
  process?: string;
}

export class HistoryBuilder {
  readonly ops: Op[] = [];
  private finals: FinalView[] = [];
  private readonly streams: StreamItem[] = [];
  private finalWindow = { invoke: 1000, complete: 1001 };

  /** White creates, black joins: versions 2 and 3, at times 0-1 and 2-3. */
  static started(): HistoryBuilder {
    return new HistoryBuilder().create({ at: 0, done: 1 }).join({ at: 2, done: 3 });
  }

  create(w: When): this {
    return this.command(w, { kind: 'create', session: WHITE.session, requestId: 'create-1', token: WHITE.token, color: 'white', version: 2 });
  }

  join(w: When): this {
    return this.command(w, { kind: 'join', session: BLACK.session, requestId: 'join-1', token: BLACK.token, version: 3 });
  }

  /** A move by `side` under `requestId`; `version` is what its acknowledgement answered. */
  move(side: 'white' | 'black', requestId: string, move: string, w: When & { version?: number; duplicate?: boolean }): this {
    const seat = side === 'white' ? WHITE : BLACK;
    return this.command(w, { kind: 'move', session: seat.session, requestId, token: seat.token, move, ...(w.version !== undefined ? { version: w.version } : {}), ...(w.duplicate ? { duplicate: true } : {}) });
  }

  resign(side: 'white' | 'black', requestId: string, w: When & { version?: number }): this {
    const seat = side === 'white' ? WHITE : BLACK;
    return this.command(w, { kind: 'resign', session: seat.session, requestId, token: seat.token, ...(w.version !== undefined ? { version: w.version } : {}) });
  }

  read(view: ViewDigest | null, w: When & { consistency?: 'replica' | 'linearizable' }): this {
    const op: ReadOp = { ...this.common(w, 'reader'), kind: 'read', consistency: w.consistency ?? 'replica', view };
    this.ops.push(op);
    return this;
  }

  /** Every node's final view of the game (the same one unless `others` says otherwise). */
  final(view: ViewDigest | null, others: Record<string, ViewDigest | null | undefined> = {}): this {
    this.finals = ['n1', 'n2', 'n3'].map((node) => ({ game: GAME, node, view: node in others ? others[node] : view }));
    return this;
  }

  /** What connection `conn` received of the game, in order: `kind`, version, and a move's UCI. */
  stream(conn: number, items: [StreamItem['kind'], number, string?][]): this {
    for (const [kind, version, uci] of items) this.streams.push({ conn, game: GAME, kind, version, ...(uci !== undefined ? { uci } : {}) });
    return this;
  }

  build(): History {
    return { seed: 1, nodes: 3, ops: this.ops, finals: this.finals, finalWindow: this.finalWindow, faults: [], streams: this.streams };
  }

  private command(w: When, c: Omit<CommandOp, 'id' | 'client' | 'game' | 'invoke' | 'complete' | 'outcome' | 'via' | 'node'>): this {
    const op = { ...this.common(w, c.session), ...c };
    if (op.outcome !== 'ok') delete op.version;
    this.ops.push(op);
    return this;
  }

  private common(w: When, client: string): Omit<ReadOp, 'kind' | 'consistency' | 'view'> {
    return {
      id: this.ops.length + 1,
      client,
      game: GAME,
      invoke: w.at,
      complete: w.done ?? w.at + 1,
      outcome: w.outcome ?? 'ok',
      via: 'socket',
      node: w.node ?? 'n1',
      ...(w.process !== undefined ? { process: w.process } : {}),
      ...(w.code !== undefined ? { code: w.code } : {}),
    };
  }
}

/** The view of a started game after `moves` (versions as the state machine counts them). */
export function started(moves: string[], status: ViewDigest['status'] = 'started', result = '*'): ViewDigest {
  const versions = plyVersions(moves);
  return { version: moves.length === 0 ? 3 : versions[moves.length - 1]!, status, result, moves };
}

/** The version after ply `n` (1-based) of `moves`. */
export function versionAfter(moves: string[], n: number): number {
  return plyVersions(moves)[n - 1]!;
}
