import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Socket as TcpSocket } from 'node:net';
import type { TestContext } from 'node:test';
import { Chess } from 'chess.js';
import {
  ChessErrorCode,
  GatewayErrorCode,
  type Ack,
  type Catchup,
  type ClientToServerEvents,
  type Color,
  type CommandAck,
  type GameEvent,
  type GameView,
  type Handshake,
  type MovePayload,
  type ServerToClientEvents,
  type WatchPayload,
} from '@rookery/protocol';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { NodeList } from '../core/nodes';
import type { PendingCommand } from '../core/outbox';
import { SessionStore, type KeyValueStore } from '../core/session';
import { Connection } from './connection';
import { Scope, until } from './connection.spec-fixtures';
import { GameSession, type GameSessionEvents } from './game-session';

// One game on the page, through a real Connection, against real Socket.IO servers on 127.0.0.1,
// port 0. The servers play Rookery nodes over one shared FakeState, which stands in for the
// replicated state machine: it applies a command once per (session, request id) and answers a
// retry with its first answer, as the real one does.
//
// The fixtures shared by the game-session-*.spec.ts files: the fake state and nodes, the page's
// recorder, and setup(), which opens a GameSession over them. Specs only: the page never imports it.

export const GAME = 'g1';
const START_FEN = 'rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1';
const TOKENS: Record<Color, string> = { white: 'white-seat-token-000001', black: 'black-seat-token-000001' };
/** The other player (or the same player in another tab): commands the test makes straight on the state. */
const OTHER_SESSION = 'other-session-000000000001';

type NodeSocket = ServerSocket<ClientToServerEvents, ServerToClientEvents>;
type WatchCatchup = Exclude<Catchup, { kind: 'ahead' | 'unknown' }>;

const refusal = (code: ChessErrorCode | GatewayErrorCode): Ack<CommandAck> => ({ ok: false, error: { code, message: `refused: ${code}` } }) as Ack<CommandAck>;

/** The replicated game: its events (versions 1, 2, …), the answers given by request, and the live nodes to tell. */
export class FakeState {
  readonly events: GameEvent[] = [];
  readonly nodes = new Set<FakeNode>();
  /** How many times each request id reached a node, whichever. */
  readonly arrivals = new Map<string, number>();
  private readonly chess = new Chess();
  private readonly answers = new Map<string, Ack<CommandAck>>();
  private readonly createdAt = Date.now();
  private others = 0;

  constructor() {
    this.push({ gameId: GAME, version: 1, at: this.createdAt, type: 'created', timeControl: null, fen: START_FEN });
    this.push({ gameId: GAME, version: 2, at: this.createdAt, type: 'seated', color: 'white', name: 'Alice' });
    this.push({ gameId: GAME, version: 3, at: this.createdAt, type: 'seated', color: 'black', name: 'Bob' });
  }

  get version(): number {
    return this.events.length;
  }

  moves(): { san: string; uci: string }[] {
    return this.events.flatMap((e) => (e.type === 'moved' ? [{ san: e.san, uci: e.uci }] : []));
  }

  view(): GameView {
    return {
      gameId: GAME,
      version: this.version,
      status: 'started',
      result: '*',
      reason: null,
      fen: this.chess.fen(),
      initialFen: START_FEN,
      turn: this.turn(),
      moves: this.moves(),
      timeControl: null,
      clocks: null,
      seats: { white: { name: 'Alice' }, black: { name: 'Bob' } },
      drawOffer: null,
      createdAt: this.createdAt,
      endedAt: null,
    };
  }

  /** What a watch from `version` gets: the events after it, or the whole game. */
  catchup(version?: number): WatchCatchup {
    return version === undefined ? { kind: 'resync', view: this.view() } : { kind: 'events', events: this.events.slice(version) };
  }

  /** A move command as the state machine applies it: once per (session, request id). */
  move(session: string, requestId: string, token: string, uci: string, broadcast = true): Ack<CommandAck> {
    const key = `${session}/${requestId}`;
    const first = this.answers.get(key);
    if (first !== undefined) return first.ok ? { ...first, duplicate: true } : first;
    const answer = this.apply(token, uci, broadcast);
    this.answers.set(key, answer);
    return answer;
  }

  /** The side to move plays `uci`, sent by the other session (not through the client under test). */
  play(uci: string, o: { broadcast?: boolean } = {}): void {
    const r = this.move(OTHER_SESSION, `other-${++this.others}`, TOKENS[this.turn()], uci, o.broadcast ?? true);
    assert.ok(r.ok, `the fake state refused ${uci}`);
  }

  private turn(): Color {
    return this.chess.turn() === 'w' ? 'white' : 'black';
  }

  private apply(token: string, uci: string, broadcast: boolean): Ack<CommandAck> {
    const color = token === TOKENS.white ? 'white' : token === TOKENS.black ? 'black' : null;
    if (color === null) return refusal(ChessErrorCode.NotSeated);
    if (color !== this.turn()) return refusal(ChessErrorCode.NotYourTurn);
    let san: string;
    try {
      san = this.chess.move({ from: uci.slice(0, 2), to: uci.slice(2, 4), promotion: uci[4] }).san;
    } catch {
      return refusal(ChessErrorCode.IllegalMove);
    }
    const e: GameEvent = { gameId: GAME, version: this.version + 1, at: Date.now(), type: 'moved', color, ply: this.moves().length + 1, san, uci, fen: this.chess.fen(), clocks: null };
    this.push(e);
    if (broadcast) for (const n of this.nodes) n.io.to(GAME).emit('game:event', e);
    return { ok: true, gameId: GAME, version: e.version };
  }

  private push(e: GameEvent): void {
    assert.equal(e.version, this.version + 1);
    this.events.push(e);
  }
}

/** `drain`: the node starts draining as the move arrives: it tells the client and refuses the move. */
type MoveDecision = 'apply' | 'apply-then-die' | 'drain' | { refuse: ChessErrorCode | GatewayErrorCode };

interface Behaviour {
  /** What the node does with a move that reached it for the `arrival`-th time (counting every node). */
  move?: (p: MovePayload, arrival: number) => MoveDecision;
  /** After the watcher joined the game's room, before its catch-up is taken. */
  watchJoined?: (p: WatchPayload, state: FakeState) => void;
  /** After the catch-up is taken, before it is answered: what happens here reaches the client as a room event first. */
  beforeWatchAnswer?: (p: WatchPayload, state: FakeState) => void;
}

/** A Socket.IO server playing a Rookery node over the shared state. */
export class FakeNode {
  readonly watches: WatchPayload[] = [];
  /** The request id of every move that reached this node, in order, with when. */
  readonly moves: { requestId: string; at: number; ply: number | undefined }[] = [];
  readonly answers: Ack<CommandAck>[] = [];
  readonly sockets: NodeSocket[] = [];
  private readonly open = new Set<TcpSocket>();
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly state: FakeState,
    readonly io: Server<ClientToServerEvents, ServerToClientEvents>,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(scope: Scope, state: FakeState, behaviour: Behaviour = {}, port = 0): Promise<FakeNode> {
    const http = createServer();
    const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, { serveClient: false });
    await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
    const address = http.address();
    assert.ok(address !== null && typeof address === 'object');
    const node = new FakeNode(state, io, address.port);
    state.nodes.add(node);
    scope.defer(() => node.kill());
    http.on('connection', (s: TcpSocket) => {
      node.open.add(s);
      s.on('close', () => node.open.delete(s));
    });
    io.on('connection', (socket) => node.serve(socket, behaviour));
    return node;
  }

  private serve(socket: NodeSocket, behaviour: Behaviour): void {
    this.sockets.push(socket);
    const auth = socket.handshake.auth as Handshake;
    socket.on('game:watch', (p, ack) => {
      this.watches.push(p);
      if (p.gameId !== GAME) return ack({ ok: false, error: { code: ChessErrorCode.UnknownGame, message: `no game ${p.gameId}` } });
      void socket.join(GAME);
      behaviour.watchJoined?.(p, this.state);
      const catchup = this.state.catchup(p.version);
      behaviour.beforeWatchAnswer?.(p, this.state);
      ack({ ok: true, catchup });
    });
    socket.on('game:unwatch', (_p, ack) => ack({ ok: true }));
    socket.on('game:move', (p, ack) => {
      const arrival = (this.state.arrivals.get(p.requestId) ?? 0) + 1;
      this.state.arrivals.set(p.requestId, arrival);
      this.moves.push({ requestId: p.requestId, at: performance.now(), ply: p.ply });
      const decision = behaviour.move?.(p, arrival) ?? 'apply';
      const apply = (): Ack<CommandAck> => this.state.move(auth.session ?? '', p.requestId, auth.seats?.[p.gameId] ?? '', p.move);
      if (decision === 'apply-then-die') {
        // Committed, and the node died before anyone heard of it.
        void this.kill();
        apply();
        return;
      }
      if (decision === 'drain') socket.emit('server:draining', { reconnectInMs: 200 });
      const answer = typeof decision === 'object' ? refusal(decision.refuse) : decision === 'drain' ? refusal(GatewayErrorCode.Draining) : apply();
      this.answers.push(answer);
      ack(answer);
    });
  }

  close(): Promise<void> {
    this.state.nodes.delete(this);
    this.closing ??= new Promise<void>((resolve) => void this.io.close(() => resolve()));
    return this.closing;
  }

  /** Dies: every TCP connection is cut at once (synchronously, before this returns), nobody is told. */
  kill(): Promise<void> {
    this.state.nodes.delete(this);
    for (const s of this.open) s.destroy();
    return this.close();
  }
}

class MapStore implements KeyValueStore {
  private readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
}

/** The page's side: what the session asked it to show. */
class Recorder {
  changes = 0;
  readonly refusals: { requestId: string; code: string }[] = [];
  readonly missing: string[] = [];
  readonly events: GameEvent[] = [];
  readonly ui: GameSessionEvents = {
    change: () => {
      this.changes++;
    },
    refused: (cmd: PendingCommand, code: string) => {
      this.refusals.push({ requestId: cmd.requestId, code });
    },
    missing: (message: string) => {
      this.missing.push(message);
    },
    event: (e: GameEvent) => {
      this.events.push(e);
    },
  };
}

interface Fixture {
  state: FakeState;
  nodes: FakeNode[];
  conn: Connection;
  session: GameSession;
  ui: Recorder;
}

interface Setup {
  /** The seat this browser holds. */
  seat?: Color;
  /** Moves (UCI) played before the page opens. */
  opening?: string[];
  /** One entry per node, in the order the client tries them. */
  nodes?: Behaviour[];
  gameId?: string;
  /** Wait for the first watch to be answered (default). */
  loaded?: boolean;
}

export async function setup(t: TestContext, o: Setup = {}): Promise<Fixture> {
  const scope = new Scope(t);
  const state = new FakeState();
  for (const m of o.opening ?? []) state.play(m);
  const nodes: FakeNode[] = [];
  for (const b of o.nodes ?? [{}]) nodes.push(await FakeNode.start(scope, state, b));
  const store = new SessionStore(new MapStore(), (n) => Uint8Array.from(randomBytes(n)));
  const seat = o.seat ?? 'white';
  store.keepSeat(GAME, TOKENS[seat], seat, Date.now());
  const conn = new Connection({
    nodes: new NodeList(nodes[0]!.url, nodes.slice(1).map((n) => n.url)),
    auth: () => ({ session: store.session, seats: store.tokens() }),
    random: () => 0,
  });
  scope.defer(() => conn.close());
  const recorder = new Recorder();
  const session = new GameSession(o.gameId ?? GAME, conn, store, recorder.ui, undefined, () => 0);
  scope.defer(() => session.stop());
  session.start();
  conn.start();
  if (o.loaded ?? true) await until('the first watch to be answered', () => session.model !== null);
  return { state, nodes, conn, session, ui: recorder };
}

export const versions = (events: readonly GameEvent[]): number[] => events.map((e) => e.version);
