import { ChessMachine, type Command, type GameView } from '@rookery/chess-fsm';
import { sameView, type CommandOp, type Op, type ViewDigest } from './history';
import type { Model } from './wgl';

/**
 * One game as the linearizability search's model: the real chess state machine, fed the
 * commands the server would have built from each operation. A state is the machine after a
 * sequence of commands that took effect; it is never changed once made (a step applies to a
 * copy), so states can be shared by the search's branches.
 */

export interface GameState {
  /** Short and unique per distinct state: the search's cache keys stay small. */
  readonly id: string;
  /** The commands (session/request id) that took effect, in order: what makes the state what it is. */
  readonly path: string;
  readonly machine: ChessMachine;
}

/**
 * Every command is applied at this one entry time: the games are untimed, so time changes
 * nothing the checker compares, and a fixed time keeps the request ids remembered throughout.
 */
const ENTRY_TIME = 1_700_000_000_000;

/** The token the model seats a join with when no acknowledgement told it the real one: nobody moves with it. */
export function placeholderToken(requestId: string): string {
  return `unacked-${requestId.replace(/[^A-Za-z0-9_-]/g, '_')}`.padEnd(16, '_').slice(0, 128);
}

export function digest(view: GameView | undefined): ViewDigest | null {
  if (view === undefined) return null;
  return { version: view.version, status: view.status, result: view.result, moves: view.moves.map((m) => m.uci) };
}

/** The command the server builds from `op` (the token comes from the seat's acknowledgement). */
export function commandOf(op: CommandOp): Command {
  const base = { requestId: op.requestId, session: op.session, gameId: op.game, token: op.token ?? placeholderToken(op.requestId) };
  switch (op.kind) {
    case 'create':
      return { type: 'create', ...base, color: op.color ?? 'white', timeControl: null };
    case 'join':
      return { type: 'join', ...base };
    case 'move':
      return { type: 'move', ...base, move: op.move ?? '' };
    case 'resign':
      return { type: 'resign', ...base };
  }
}

export class ChessModel implements Model<GameState> {
  readonly init: readonly GameState[];
  private readonly states = new Map<string, GameState>();
  private readonly steps = new Map<string, readonly GameState[]>();

  /** `ops`: the game's operations the search places (no definite failures: they never took effect). */
  constructor(
    private readonly gameId: string,
    private readonly ops: readonly Op[],
  ) {
    this.init = [this.intern('', new ChessMachine())];
  }

  key(state: GameState): string {
    return state.id;
  }

  step(state: GameState, i: number): readonly GameState[] {
    const memo = `${state.id}#${i}`;
    let next = this.steps.get(memo);
    if (next === undefined) {
      next = this.compute(state, this.ops[i]!);
      this.steps.set(memo, next);
    }
    return next;
  }

  /** The game's view in `state`, for explanations. */
  view(state: GameState): ViewDigest | null {
    return digest(state.machine.view(this.gameId));
  }

  private compute(state: GameState, op: Op): readonly GameState[] {
    if (op.kind === 'read') return sameView(this.view(state), op.view) ? [state] : [];
    const command = commandOf(op);
    // Refused as things stand: applying it would change nothing, and copying the machine costs.
    const refused = state.machine.precheck(command);
    if (refused !== undefined && !refused.ok) return op.outcome === 'ok' ? [] : [state];
    const machine = ChessMachine.fromSnapshot(state.machine.snapshot());
    const result = machine.apply(command, ENTRY_TIME).result;
    const fresh = result.ok && result.duplicate !== true;
    const after = fresh ? this.intern(`${state.path} ${op.session}/${op.requestId}`, machine) : state;
    if (op.outcome === 'unknown') return fresh ? [after, state] : [state];
    // Acknowledged: it took effect here exactly as answered (a retry answered as the first).
    if (!result.ok || !('version' in result) || result.version !== op.version || (result.duplicate === true) !== (op.duplicate === true)) return [];
    return [after];
  }

  private intern(path: string, machine: ChessMachine): GameState {
    let s = this.states.get(path);
    if (s === undefined) {
      s = { id: String(this.states.size), path, machine };
      this.states.set(path, s);
    }
    return s;
  }
}
