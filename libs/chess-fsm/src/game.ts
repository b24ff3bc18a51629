import { hasLegalMove, type PlayedMove } from './board';
import { GameClock } from './clock';
import { fail } from './errors';
import { GameBoard } from './game-board';
import { cannotMate, insufficientMaterial } from './material';
import { castlingRights, halfmoveClock, placement, positionKey, sideToMove } from './position';
import { opposite } from './validate';
import { copyControl } from './views';
import {
  ChessErrorCode,
  type ChessError,
  type Color,
  type DrawReason,
  type EndReason,
  type GameEvent,
  type GameResult,
  type GameStatus,
  type MachineOptions,
  type MoveFound,
  type TimeControl,
} from './types';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EventBody = DistributiveOmit<GameEvent, 'gameId' | 'version' | 'at'>;

export interface Seat {
  session: string;
  token: string;
  name: string;
}

/** What a game command did: the seat it acted for, or why it was refused (having changed nothing). */
export type Refusal = { ok: false; error: ChessError };
export type Outcome = { ok: true; color: Color; flagged?: true } | Refusal;


/**
 * One game: the seats, the position (as FEN, with a chess.js board built only while the game is
 * being played), the moves, the clocks, the repetition history since the last irreversible move,
 * the draw offer, and the versioned events. Every method takes the entry time `at` and either
 * refuses (changing nothing) or changes the game and appends its events to `out`.
 */
/** The timeouts sweep ends abandoned games by. */
export type SweepTimeouts = Pick<MachineOptions, 'openTimeoutMs' | 'firstMoveTimeoutMs' | 'idleTimeoutMs'>;

export class Game {
  status: GameStatus = 'waiting';
  result: GameResult = '*';
  reason: EndReason | null = null;
  endedAt: number | null = null;
  version = 0;
  seats: { white: Seat | null; black: Seat | null } = { white: null, black: null };
  fen: string;
  sans: string[] = [];
  ucis: string[] = [];
  /** How many times each position occurred since the last capture, pawn move or change of castling rights. */
  repetitions = new Map<string, number>();
  drawOffer: Color | null = null;
  /** Entry time of the last seat or move: the sweep measures abandonment from it. */
  lastActivity: number;
  clock: GameClock | null;
  /** Events kept for resuming clients: the last ones, oldest first. */
  history: GameEvent[] = [];
  /** The chess.js board, when one is kept, and the move last found on it. */
  private readonly board = new GameBoard();
  /** This game's line in the last snapshot, and the version it was at (see snapshot.ts encodeGame). */
  snapshotLine: { version: number; bytes: Uint8Array } | undefined;

  constructor(
    readonly id: string,
    readonly createdAt: number,
    readonly initialFen: string,
    readonly timeControl: TimeControl | null,
    private readonly historyLimit: number,
  ) {
    this.fen = initialFen;
    this.lastActivity = createdAt;
    this.clock = timeControl === null ? null : new GameClock(timeControl);
    this.repetitions.set(positionKey(initialFen), 1);
  }

  get turn(): Color {
    return sideToMove(this.fen);
  }

  get plies(): number {
    return this.sans.length;
  }

  /** The seat whose token this is. */
  seatOf(token: string): Color | undefined {
    if (this.seats.white?.token === token) return 'white';
    if (this.seats.black?.token === token) return 'black';
    return undefined;
  }

  // ---- Refusals: read-only, shared by the commands below and by precheck ------------------------

  /** Why `seat` cannot take `color` (or the open seat), if it cannot. */
  seatRefusal(color: Color | undefined, seat: Pick<Seat, 'session' | 'token'>): Refusal | undefined {
    if (this.status === 'ended') return this.over();
    const wanted = color ?? (this.seats.white === null ? 'white' : 'black');
    if (this.seats[wanted] !== null) return fail(ChessErrorCode.SeatTaken, `the ${wanted} seat of game ${this.id} is taken`);
    const rival = this.seats[opposite(wanted)];
    if (rival !== null && (rival.session === seat.session || rival.token === seat.token)) {
      return fail(ChessErrorCode.AlreadySeated, `session already holds the ${opposite(wanted)} seat of game ${this.id}`);
    }
    return undefined;
  }

  /** Seat commands other than abort need a game in play. */
  playRefusal(): Refusal | undefined {
    if (this.status === 'ended') return this.over();
    if (this.status === 'waiting') return fail(ChessErrorCode.NotStarted, `game ${this.id} waits for its ${this.seats.white === null ? 'white' : 'black'} player`);
    return undefined;
  }

  /**
   * A move made on an earlier position than the game's: its player saw `ply` plies played, and
   * the game has gone on since (the move was applied already and is retried after the dedupe
   * table forgot it, or the opponent moved meanwhile). Refused whether or not it would be legal
   * now: a retry can never apply a move twice, however long after.
   */
  staleRefusal(ply: number | undefined): Refusal | undefined {
    if (ply === undefined || ply === this.plies) return undefined;
    return fail(ChessErrorCode.StaleMove, `the move was made at ply ${ply}, and game ${this.id} is at ply ${this.plies}`);
  }

  turnRefusal(color: Color): Refusal | undefined {
    return color !== this.turn ? fail(ChessErrorCode.NotYourTurn, `it is ${this.turn}'s turn in game ${this.id}`) : undefined;
  }

  illegal(color: Color, text: string): Refusal {
    return fail(ChessErrorCode.IllegalMove, `${text} is not a legal move for ${color} in game ${this.id} (${this.fen})`);
  }

  offerRefusal(color: Color): Refusal | undefined {
    return this.drawOffer === color ? fail(ChessErrorCode.DrawAlreadyOffered, `${color} already offered a draw in game ${this.id}`) : undefined;
  }

  /** Accepting or declining needs the opponent's offer. */
  answerRefusal(color: Color): Refusal | undefined {
    return this.drawOffer !== opposite(color) ? fail(ChessErrorCode.NoDrawOffer, `${opposite(color)} has not offered a draw in game ${this.id}`) : undefined;
  }

  /** The rule a claim invokes, or why there is nothing to claim. */
  claimRefusal(reason: 'threefold' | 'fifty-moves' | undefined): { rule: 'threefold' | 'fifty-moves' } | Refusal {
    const seen = this.repetitions.get(positionKey(this.fen)) ?? 0;
    const plies = halfmoveClock(this.fen);
    const rule = reason ?? (seen >= 3 ? 'threefold' : 'fifty-moves');
    if (rule === 'threefold' ? seen < 3 : plies < 100) {
      return fail(ChessErrorCode.CannotClaim, `no ${rule} draw to claim in game ${this.id}: the position occurred ${seen} times, ${plies} plies since a capture or pawn move`);
    }
    return { rule };
  }

  abortRefusal(): Refusal | undefined {
    if (this.status === 'ended') return this.over();
    if (this.plies >= 2) return fail(ChessErrorCode.CannotAbort, `game ${this.id} can no longer be aborted: both sides have moved`);
    return undefined;
  }

  // ---- Commands -------------------------------------------------------------------------------

  seat(color: Color | undefined, seat: Seat, at: number, out: GameEvent[]): Outcome {
    const refused = this.seatRefusal(color, seat);
    if (refused) return refused;
    const wanted = color ?? (this.seats.white === null ? 'white' : 'black');
    this.seats[wanted] = seat;
    this.lastActivity = at;
    this.emit(at, out, { type: 'seated', color: wanted, name: seat.name });
    if (this.seats.white !== null && this.seats.black !== null) this.status = 'started';
    return { ok: true, color: wanted };
  }

  /**
   * `madeAt`, if given: the plies the game had played when the move was made (see
   * staleRefusal). `found`, if given: the move as the proposing server found it (see MoveFound),
   * taken as it is if the game is still at the version it was found at.
   */
  move(color: Color, text: string, at: number, out: GameEvent[], madeAt?: number, found?: MoveFound): Outcome {
    const refused = this.playRefusal() ?? this.staleRefusal(madeAt) ?? this.turnRefusal(color);
    if (refused) return refused;
    if (this.fallenFlag(at, out)) return { ok: true, color, flagged: true };
    const known = found !== undefined && found.version === this.version ? found : undefined;
    const m = known !== undefined ? this.board.playKnown(this.fen, text, known) : this.board.play(this.fen, text);
    if (m === undefined) return this.illegal(color, text);
    const ply = this.plies;
    const before = this.fen;
    this.fen = m.after;
    this.sans.push(m.san);
    this.ucis.push(m.lan);
    this.lastActivity = at;
    this.clock?.moved(color, ply, at);
    const seen = this.countRepetition(m, before);
    const next = opposite(color);
    this.emit(at, out, { type: 'moved', color, ply: ply + 1, san: m.san, uci: m.lan, fen: m.after, clocks: this.clock?.view(next, at) ?? null });
    if (m.captured !== undefined) {
      const square = m.enPassant ? m.to[0]! + m.from[1]! : m.to;
      this.emit(at, out, { type: 'captured', color, piece: m.captured, square });
    }
    if (this.drawOffer === next) {
      this.drawOffer = null;
      this.emit(at, out, { type: 'drawDeclined', color, implicit: true });
    }
    this.afterMove(m, seen, at, out, known === undefined ? undefined : known.stalemate === true);
    return { ok: true, color };
  }

  resign(color: Color, at: number, out: GameEvent[]): Outcome {
    const first = this.begin(color, at, out);
    if (first) return first;
    const result = color === 'white' ? '0-1' : '1-0';
    this.end(at, result, 'resign');
    this.emit(at, out, { type: 'resigned', color, result });
    return { ok: true, color };
  }

  offerDraw(color: Color, at: number, out: GameEvent[]): Outcome {
    const first = this.begin(color, at, out);
    if (first) return first;
    const already = this.offerRefusal(color);
    if (already) return already;
    // Offering when the opponent has offered is agreeing.
    if (this.drawOffer === opposite(color)) return this.acceptDraw(color, at, out);
    this.drawOffer = color;
    this.emit(at, out, { type: 'drawOffered', color });
    return { ok: true, color };
  }

  acceptDraw(color: Color, at: number, out: GameEvent[]): Outcome {
    const first = this.begin(color, at, out);
    if (first) return first;
    const none = this.answerRefusal(color);
    if (none) return none;
    this.draw(at, out, 'agreement');
    return { ok: true, color };
  }

  declineDraw(color: Color, at: number, out: GameEvent[]): Outcome {
    const first = this.begin(color, at, out);
    if (first) return first;
    const none = this.answerRefusal(color);
    if (none) return none;
    this.drawOffer = null;
    this.emit(at, out, { type: 'drawDeclined', color, implicit: false });
    return { ok: true, color };
  }

  /** Threefold repetition (the position now has occurred three times) or the 50-move rule (100 plies). */
  claimDraw(color: Color, reason: 'threefold' | 'fifty-moves' | undefined, at: number, out: GameEvent[]): Outcome {
    const first = this.begin(color, at, out);
    if (first) return first;
    const claim = this.claimRefusal(reason);
    if ('ok' in claim) return claim;
    this.draw(at, out, claim.rule);
    return { ok: true, color };
  }

  /** Before both sides have moved (or while the game waits for its second player), either seat may abort. */
  abort(color: Color, at: number, out: GameEvent[]): Outcome {
    const refused = this.abortRefusal();
    if (refused) return refused;
    this.end(at, '*', 'aborted');
    this.emit(at, out, { type: 'aborted', reason: 'aborted', by: color, result: '*' });
    return { ok: true, color };
  }

  /** A flag fall, proposed by the leader: valid only if the side to move's time is up at `at`. */
  flag(at: number, out: GameEvent[]): Outcome {
    if (this.status === 'ended') return this.over();
    const toMove = this.turn;
    if (this.clock === null || this.status !== 'started' || !this.clock.fallen(toMove, at)) {
      const left = this.clock?.left(toMove, toMove, at);
      return fail(ChessErrorCode.NotFlagged, `${toMove}'s clock in game ${this.id} has not run out${left === undefined ? ' (untimed)' : ` (${left} ms left)`}`);
    }
    this.flagFall(at, out);
    return { ok: true, color: toMove };
  }

  /** The housekeeping rules; returns whether it ended the game. */
  sweep(at: number, o: SweepTimeouts, out: GameEvent[]): boolean {
    if (this.status === 'ended') return false;
    if (this.fallenFlag(at, out)) return true;
    if (!this.abandoned(at, o)) return false;
    this.end(at, '*', 'abandoned');
    this.emit(at, out, { type: 'aborted', reason: 'abandoned', by: null, result: '*' });
    return true;
  }

  /** Whether `sweep` at `at` would change this game (ask before, to keep its state first). */
  sweepDue(at: number, o: SweepTimeouts): boolean {
    return this.status !== 'ended' && (this.flagDown(at) || this.abandoned(at, o));
  }

  private abandoned(at: number, o: SweepTimeouts): boolean {
    const idle = at - this.lastActivity;
    return this.status === 'waiting'
      ? at - this.createdAt >= o.openTimeoutMs
      : this.plies < 2
        ? idle >= o.firstMoveTimeoutMs
        : this.clock === null && idle >= o.idleTimeoutMs;
  }

  // ---- Rules after a move ----------------------------------------------------------------------

  /** Counts the position the move made; answers how many times it has now occurred. */
  private countRepetition(m: PlayedMove, before: string): number {
    // A capture, a pawn move or a change of castling rights can never be undone: no earlier
    // position can recur. Only a king's or a rook's move changes the rights without a capture.
    if (m.captured !== undefined || m.piece === 'p' || ((m.piece === 'k' || m.piece === 'r') && castlingRights(before) !== castlingRights(m.after))) this.repetitions.clear();
    const key = positionKey(m.after);
    const seen = (this.repetitions.get(key) ?? 0) + 1;
    this.repetitions.set(key, seen);
    return seen;
  }

  /** `seen`: how many times the position the move made has occurred; `stalemate`, if known, whether it is one. */
  private afterMove(m: PlayedMove, seen: number, at: number, out: GameEvent[], stalemate?: boolean): void {
    const next = opposite(m.color === 'w' ? 'white' : 'black');
    const last = m.san.charCodeAt(m.san.length - 1);
    // chess.js writes # only for mate and + for any other check: the suffix saves a second move generation.
    if (last === 35 /* # */) {
      const winner = opposite(next);
      const result = winner === 'white' ? '1-0' : '0-1';
      this.end(at, result, 'checkmate');
      this.emit(at, out, { type: 'checkmate', winner, result });
      return;
    }
    if (last === 43 /* + */) this.emit(at, out, { type: 'check', color: next });
    else if (stalemate ?? !hasLegalMove(this.board.at(this.fen))) {
      this.end(at, '1/2-1/2', 'stalemate');
      this.emit(at, out, { type: 'stalemate', result: '1/2-1/2' });
      return;
    }
    if (insufficientMaterial(placement(m.after))) this.draw(at, out, 'insufficient-material');
    else if (seen >= 5) this.draw(at, out, 'fivefold');
    else if (halfmoveClock(m.after) >= 150) this.draw(at, out, 'seventy-five-moves');
  }

  /**
   * What a seat command meets before its own rules: a game not in play refuses it, and a fallen
   * flag ends the game instead (the answer says `flagged`).
   */
  private begin(color: Color, at: number, out: GameEvent[]): Outcome | undefined {
    return this.playRefusal() ?? (this.fallenFlag(at, out) ? { ok: true, color, flagged: true } : undefined);
  }

  /**
   * Any seat command in a timed game first looks at the clock (FIDE 6.9, as lichess does): if
   * the side to move has run out at `at`, the game ends on time and the command is not carried out.
   */
  private fallenFlag(at: number, out: GameEvent[]): boolean {
    if (!this.flagDown(at)) return false;
    this.flagFall(at, out);
    return true;
  }

  /** The game is under way and the side to move has run out of time at `at`. */
  private flagDown(at: number): boolean {
    return this.status === 'started' && this.clock?.fallen(this.turn, at) === true;
  }

  /** Whether `text` is a legal move now (found, not played; see GameBoard.wouldMove). */
  wouldMove(text: string): boolean {
    return this.board.wouldMove(this.fen, text);
  }

  /** What the move `text`, which wouldMove just found legal, makes (see GameBoard.found, MoveFound); undefined otherwise. */
  found(text: string): MoveFound | undefined {
    return this.board.found(this.fen, this.version, text);
  }

  private flagFall(at: number, out: GameEvent[]): void {
    const loser = this.turn;
    const winner = opposite(loser);
    // A flag fall against a side whose opponent cannot mate by any series of legal moves is a draw (FIDE 6.9).
    const drawn = cannotMate(placement(this.fen), winner);
    const result: GameResult = drawn ? '1/2-1/2' : winner === 'white' ? '1-0' : '0-1';
    this.end(at, result, drawn ? 'timeout-vs-insufficient' : 'timeout');
    this.emit(at, out, { type: 'flagged', color: loser, result, clocks: this.clock!.view(loser, at) });
  }

  private draw(at: number, out: GameEvent[], reason: DrawReason): void {
    this.end(at, '1/2-1/2', reason);
    this.emit(at, out, { type: 'draw', reason, result: '1/2-1/2' });
  }

  private end(at: number, result: GameResult, reason: EndReason): void {
    this.clock?.stop(this.turn, at);
    this.status = 'ended';
    this.result = result;
    this.reason = reason;
    this.endedAt = at;
    this.drawOffer = null;
    this.board.drop();
  }

  private over(): Refusal {
    return fail(ChessErrorCode.GameOver, `game ${this.id} is over (${this.result})`);
  }

  private emit(at: number, out: GameEvent[], body: EventBody): void {
    // Frozen: the caller gets the very objects kept for resuming clients, and must not change them.
    // The body is a fresh literal at every call: the event's own fields go onto it, not into a copy.
    const fields = body as EventBody & { gameId: string; version: number; at: number };
    fields.gameId = this.id;
    fields.version = ++this.version;
    fields.at = at;
    const event = Object.freeze(fields) as GameEvent;
    if ('clocks' in event && event.clocks !== null) Object.freeze(event.clocks);
    out.push(event);
    this.history.push(event);
    // Trim in steps so the cost is amortised; at least `historyLimit` events are kept (once there are that many since a restore).
    if (this.history.length > this.historyLimit + 64) this.history.splice(0, this.history.length - this.historyLimit);
  }

  /** Creates the game's first event. */
  created(at: number, out: GameEvent[]): void {
    this.emit(at, out, { type: 'created', timeControl: copyControl(this.timeControl), fen: this.initialFen });
  }
}
