import { ChessMachine, type CommandResult, type GameEvent } from '@rookery/chess-fsm';
import type { SnapshotSteps, StateMachine } from '@rookery/raft';
import { Subject, filter, mergeMap, type Observable } from 'rxjs';
import { decodeEntry } from './entry';

/**
 * This node's replica of every game: the chess state machine behind the Raft node's
 * StateMachine interface. Every committed entry is applied here on every node; the events it
 * produces are published on `applied$`, those of one command together — the Raft log is the
 * broadcast bus (DESIGN decision 3), and each node sends its games' events to its own sockets.
 */
export class ChessReplica implements StateMachine<CommandResult> {
  readonly machine = new ChessMachine();
  private readonly commands = new Subject<readonly GameEvent[]>();
  private readonly restores = new Subject<void>();
  /** Every event applied here, in log order, those of one command together (none for a command that made none). */
  readonly applied$: Observable<readonly GameEvent[]> = this.commands.asObservable();
  /** A snapshot replaced the state: watchers must resync from a view. */
  readonly restored$: Observable<void> = this.restores.asObservable();
  appliedIndex = 0;

  apply(data: Uint8Array, entry: { index: number }): CommandResult {
    this.appliedIndex = entry.index;
    const decoded = decodeEntry(data);
    if (decoded === undefined) return { ok: false, error: { code: 'ERR_MALFORMED', message: `entry ${entry.index} is not a chess entry` } };
    const out = this.machine.apply(decoded.command, decoded.at);
    if (out.events.length > 0) this.commands.next(out.events);
    return out.result;
  }

  /** One game's events, as they are applied. */
  game$(gameId: string): Observable<GameEvent> {
    return this.applied$.pipe(
      mergeMap((events) => events),
      filter((e) => e.gameId === gameId),
    );
  }

  snapshot(): Uint8Array {
    return this.machine.snapshot();
  }

  /** The machine's snapshot taken a few games at a time, copy on write: no stall of the event loop however many games there are. */
  beginSnapshot(): SnapshotSteps {
    const job = this.machine.beginSnapshot();
    return { step: (units) => job.step(units), result: () => job.parts(), end: () => this.machine.endSnapshot(job) };
  }

  restore(data: Uint8Array): void {
    this.machine.restore(data);
    this.restores.next();
  }
}
