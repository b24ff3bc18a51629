import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Socket as TcpSocket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Chess } from 'chess.js';
import {
  ChessErrorCode,
  GatewayErrorCode,
  type Ack,
  type Catchup,
  type ClientToServerEvents,
  type Clocks,
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
import { GameSession, type GameSessionEvents } from './game-session';

// One game on the page, through a real Connection, against real Socket.IO servers on 127.0.0.1,
// port 0. The servers play Rookery nodes over one shared FakeState, which stands in for the
// replicated state machine: it applies a command once per (session, request id) and answers a
// retry with its first answer, as the real one does.

const GAME = 'g1';
const START_FEN = 'rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1';
const TOKENS: Record<Color, string> = { white: 'white-seat-token-000001', black: 'black-seat-token-000001' };
/** The other player (or the same player in another tab): commands the test makes straight on the state. */
const OTHER_SESSION = 'other-session-000000000001';

type NodeSocket = ServerSocket<ClientToServerEvents, ServerToClientEvents>;
type WatchCatchup = Exclude<Catchup, { kind: 'ahead' | 'unknown' }>;

const refusal = (code: ChessErrorCode | GatewayErrorCode): Ack<CommandAck> => ({ ok: false, error: { code, message: `refused: ${code}` } }) as Ack<CommandAck>;

/** The replicated game: its events (versions 1, 2, …), the answers given by request, and the live nodes to tell. */
class FakeState {
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
class FakeNode {
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

/** Cleanups run in reverse order after the test: the session and its connection go before the nodes. */
class Scope {
  private readonly stack: (() => unknown)[] = [];
  constructor(t: TestContext) {
    t.after(async () => {
      while (this.stack.length > 0) await this.stack.pop()!();
    });
  }
  defer(fn: () => unknown): void {
    this.stack.push(fn);
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

async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(5);
  }
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

async function setup(t: TestContext, o: Setup = {}): Promise<Fixture> {
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

const versions = (events: readonly GameEvent[]): number[] => events.map((e) => e.version);

describe('GameSession: watching', () => {
  it('the first watch names no version and takes the whole game (a resync view)', async (t) => {
    const { state, nodes, session, ui } = await setup(t, { opening: ['e2e4', 'e7e5'] });
    assert.deepEqual(nodes[0]!.watches, [{ gameId: GAME }]);
    const m = session.model!;
    assert.equal(m.version, 5);
    assert.deepEqual(m.moves, [
      { san: 'e4', uci: 'e2e4' },
      { san: 'e5', uci: 'e7e5' },
    ]);
    assert.equal(m.fen, state.view().fen);
    assert.equal(m.status, 'started');
    assert.deepEqual(m.seats, { white: { name: 'Alice' }, black: { name: 'Bob' } });
    assert.equal(session.seat, 'white');
    assert.deepEqual(ui.events, [], 'a view is not a list of events');
    assert.ok(ui.changes > 0);
  });

  it('after a reconnect it watches from its version and applies exactly the events it missed', async (t) => {
    const { state, nodes, session, ui } = await setup(t, { seat: 'black', opening: ['e2e4', 'e7e5'], nodes: [{}, {}] });
    const [a, b] = nodes as [FakeNode, FakeNode];
    assert.equal(session.model!.version, 5);
    const dying = a.kill();
    // Played while the page is away (before it can reach B): it hears none of them live.
    state.play('g1f3');
    state.play('b8c6');
    state.play('f1b5');
    await dying;
    await until('caught up on B', () => session.model!.version === 8);
    await delay(50);
    assert.deepEqual(b.watches, [{ gameId: GAME, version: 5 }]);
    assert.deepEqual(session.model!.moves, state.moves());
    assert.deepEqual(
      session.model!.moves.map((x) => x.san),
      ['e4', 'e5', 'Nf3', 'Nc6', 'Bb5'],
    );
    assert.deepEqual(versions(ui.events), [6, 7, 8], 'each missed event once, in order');
    assert.equal(session.model!.fen, state.view().fen);
  });

  it('room events that arrive before the first watch is answered are not lost (nor applied twice)', async (t) => {
    // On the first watch, v6 reaches the client early and is also in the view; v7 reaches it early and is not.
    const { session, nodes, ui } = await setup(t, {
      opening: ['e2e4', 'e7e5'],
      loaded: false,
      nodes: [
        {
          watchJoined: (p, state) => p.version === undefined && state.version === 5 && state.play('g1f3'),
          beforeWatchAnswer: (p, state) => p.version === undefined && state.version === 6 && state.play('b8c6'),
        },
      ],
    });
    await until('model at v7', () => session.model?.version === 7);
    await delay(100);
    assert.deepEqual(
      session.model!.moves.map((x) => x.san),
      ['e4', 'e5', 'Nf3', 'Nc6'],
    );
    assert.deepEqual(versions(ui.events), [7], 'v6 came with the view, v7 after it');
    assert.equal(nodes[0]!.watches.length, 1, 'no second watch was needed');
  });
});

describe('GameSession: resuming', () => {
  it('a room event that arrives before a resume is answered is applied after the catch-up, with no further watch', async (t) => {
    const { state, nodes, session, ui } = await setup(t, {
      opening: ['e2e4', 'e7e5'],
      // On the resume from v5: the catch-up holds v6; v7 is played before the answer goes out.
      nodes: [{ beforeWatchAnswer: (p, s) => p.version === 5 && s.version === 6 && s.play('b8c6') }],
    });
    const [a] = nodes as [FakeNode];
    a.sockets[0]!.disconnect(true);
    state.play('g1f3'); // missed: the page is between connections
    await until('model at v7', () => session.model!.version === 7);
    await delay(100);
    assert.deepEqual(a.watches, [{ gameId: GAME }, { gameId: GAME, version: 5 }]);
    assert.deepEqual(session.model!.moves, state.moves());
    assert.deepEqual(versions(ui.events), [6, 7]);
  });

  it('a version gap (an event it never got) makes it watch again from its version', async (t) => {
    const { state, nodes, session, ui } = await setup(t, { opening: ['e2e4', 'e7e5'] });
    const [a] = nodes as [FakeNode];
    state.play('g1f3', { broadcast: false }); // v6 is lost on the way
    state.play('b8c6'); // v7 arrives: two ahead of the model
    await until('model at v7', () => session.model!.version === 7);
    await delay(50);
    assert.deepEqual(a.watches, [{ gameId: GAME }, { gameId: GAME, version: 5 }]);
    assert.deepEqual(session.model!.moves, state.moves());
    assert.deepEqual(versions(ui.events), [6, 7]);
  });

  it('a game the cluster does not know is reported once through ui.missing, and not watched again', async (t) => {
    const { nodes, session, ui } = await setup(t, { gameId: 'nope', loaded: false });
    await until('ui.missing', () => ui.missing.length === 1);
    await delay(300);
    assert.deepEqual(nodes[0]!.watches, [{ gameId: 'nope' }]);
    assert.deepEqual(ui.missing, ['no game nope']);
    assert.equal(session.model, null);
  });
});

describe('GameSession: commands', () => {
  it('a move made while offline is sent when the connection is back, under the same request id, and settled on ok', async (t) => {
    const scope = new Scope(t);
    const { state, nodes, conn, session, ui } = await setup(t);
    const [a] = nodes as [FakeNode];
    await a.kill();
    await until('offline', () => !conn.online);
    const p = session.send('game:move', 'e2e4');
    assert.deepEqual(session.outbox.pending(), [p]);
    await delay(50);
    assert.equal(state.arrivals.size, 0, 'nothing sent while offline');

    const back = await FakeNode.start(scope, state, {}, a.port); // the same node, restarted
    await until('the move settled', () => session.outbox.pending().length === 0);
    assert.deepEqual(back.watches, [{ gameId: GAME, version: 3 }]);
    assert.deepEqual(back.moves.map((m) => m.requestId), [p.requestId]);
    // With the plies it was made on: sent later, it can only be played on that position.
    assert.deepEqual(back.moves.map((m) => m.ply), [0]);
    assert.deepEqual([...state.arrivals], [[p.requestId, 1]]);
    assert.deepEqual(back.answers, [{ ok: true, gameId: GAME, version: 4 }]);
    await until('the move in the model', () => session.model!.version === 4);
    assert.deepEqual(session.model!.moves, [{ san: 'e4', uci: 'e2e4' }]);
    assert.deepEqual(ui.refusals, []);
  });

  it('a move carries the plies of the position it was made on, however late it is sent', async (t) => {
    const scope = new Scope(t);
    const { state, nodes, conn, session } = await setup(t, { opening: ['e2e4', 'e7e5'] });
    const [a] = nodes as [FakeNode];
    await a.kill();
    await until('offline', () => !conn.online);
    const p = session.send('game:move', 'g1f3');
    const back = await FakeNode.start(scope, state, {}, a.port);
    await until('the move settled', () => session.outbox.pending().length === 0);
    assert.deepEqual(
      back.moves.map((m) => [m.requestId, m.ply]),
      [[p.requestId, 2]],
    );
  });

  it('a move answered ERR_UNAVAILABLE is sent again, with the same request id and a backoff, until it is ok', async (t) => {
    const { state, nodes, session, ui } = await setup(t, { nodes: [{ move: (_p, n) => (n <= 2 ? { refuse: GatewayErrorCode.Unavailable } : 'apply') }] });
    const [a] = nodes as [FakeNode];
    const p = session.send('game:move', 'e2e4');
    await until('the move settled', () => session.outbox.pending().length === 0);
    assert.deepEqual(
      a.moves.map((m) => m.requestId),
      [p.requestId, p.requestId, p.requestId],
    );
    assert.deepEqual([...state.arrivals], [[p.requestId, 3]]);
    const [t1, t2, t3] = a.moves.map((m) => m.at) as [number, number, number];
    // backoffDelay(1) and backoffDelay(2) with random 0: 200 and 400 ms.
    assert.ok(t2 - t1 >= 195, `second attempt after ${Math.round(t2 - t1)} ms`);
    assert.ok(t3 - t2 >= 395, `third attempt after ${Math.round(t3 - t2)} ms`);
    assert.deepEqual(state.moves(), [{ san: 'e4', uci: 'e2e4' }]);
    await until('the move in the model', () => session.model!.version === 4);
    assert.deepEqual(session.model!.moves, [{ san: 'e4', uci: 'e2e4' }]);
    assert.deepEqual(ui.refusals, []);
  });

  it('a move refused ERR_ILLEGAL_MOVE is settled and reported once, and never sent again (not even after a reconnect)', async (t) => {
    const { state, nodes, session, ui } = await setup(t);
    const [a] = nodes as [FakeNode];
    const p = session.send('game:move', 'e2e5');
    await until('the refusal', () => ui.refusals.length === 1);
    assert.deepEqual(ui.refusals, [{ requestId: p.requestId, code: ChessErrorCode.IllegalMove }]);
    assert.deepEqual(session.outbox.pending(), []);

    a.sockets[0]!.disconnect(true);
    await until('watching again', () => a.watches.length === 2);
    await delay(300); // past backoffDelay(1) too
    assert.deepEqual([...state.arrivals], [[p.requestId, 1]]);
    assert.equal(ui.refusals.length, 1);
    assert.equal(session.model!.version, 3);
  });

  it('a node that dies with a move in flight: the move is sent again to the next node under the same id, and applied once', async (t) => {
    const { state, nodes, session, ui } = await setup(t, { nodes: [{ move: (_p, n) => (n === 1 ? 'apply-then-die' : 'apply') }, {}] });
    const [a, b] = nodes as [FakeNode, FakeNode];
    const p = session.send('game:move', 'e2e4');
    await until('the move settled', () => session.outbox.pending().length === 0);
    assert.deepEqual(
      a.moves.map((m) => m.requestId),
      [p.requestId],
    );
    assert.deepEqual(
      b.moves.map((m) => m.requestId),
      [p.requestId],
    );
    assert.deepEqual([...state.arrivals], [[p.requestId, 2]]);
    assert.deepEqual(b.answers, [{ ok: true, gameId: GAME, version: 4, duplicate: true }], 'the state answered the retry with its first answer');
    assert.deepEqual(state.moves(), [{ san: 'e4', uci: 'e2e4' }], 'applied once');
    assert.deepEqual(b.watches, [{ gameId: GAME, version: 3 }]);
    await until('the move in the model', () => session.model!.version === 4);
    assert.deepEqual(session.model!.moves, [{ san: 'e4', uci: 'e2e4' }]);
    assert.deepEqual(ui.refusals, []);
  });
});

describe('GameSession: a draining node', () => {
  it('a move refused by a node that starts draining is sent to the next node under the same id, and applied once', async (t) => {
    const { state, nodes, session, ui } = await setup(t, { nodes: [{ move: () => 'drain' }, {}] });
    const [a, b] = nodes as [FakeNode, FakeNode];
    const p = session.send('game:move', 'e2e4');
    await until('the move settled', () => session.outbox.pending().length === 0);
    assert.deepEqual(
      [...a.moves, ...b.moves].map((m) => m.requestId),
      [p.requestId, p.requestId],
    );
    assert.deepEqual(b.answers, [{ ok: true, gameId: GAME, version: 4 }]);
    assert.deepEqual(b.watches, [{ gameId: GAME, version: 3 }]);
    assert.deepEqual(state.moves(), [{ san: 'e4', uci: 'e2e4' }]);
    await until('the move in the model', () => session.model!.version === 4);
    assert.deepEqual(session.model!.moves, [{ san: 'e4', uci: 'e2e4' }]);
    assert.deepEqual(ui.refusals, []);
  });
});

describe('GameSession: clocks and spectators', () => {
  const clocks = (white: number, black: number): Clocks => ({ white, black, running: 'white', at: Date.now() });

  it('clock:sync for the current version replaces the clocks; one for an older version or another game does not', async (t) => {
    const { nodes, session } = await setup(t, { opening: ['e2e4', 'e7e5'] });
    const s = nodes[0]!.sockets[0]!;
    const now = clocks(170_000, 175_000);
    s.emit('clock:sync', { gameId: GAME, version: 5, clocks: now, serverTime: Date.now() });
    s.emit('clock:sync', { gameId: GAME, version: 4, clocks: clocks(1, 1), serverTime: Date.now() });
    s.emit('clock:sync', { gameId: 'g2', version: 5, clocks: clocks(2, 2), serverTime: Date.now() });
    s.emit('game:spectators', { gameId: GAME, count: 1 }); // a marker: the syncs before it were handled
    await until('the marker', () => session.spectators === 1);
    assert.deepEqual(session.model!.clocks, now);
    assert.equal(session.time.known, true);
  });

  it('game:spectators sets the spectator count and asks the page to draw again; another game’s count is ignored', async (t) => {
    const { nodes, session, ui } = await setup(t);
    const s = nodes[0]!.sockets[0]!;
    assert.equal(session.spectators, 0);
    const before = ui.changes;
    s.emit('game:spectators', { gameId: GAME, count: 3 });
    await until('three spectators', () => session.spectators === 3);
    assert.ok(ui.changes > before);
    const marker = clocks(1234, 5678);
    s.emit('game:spectators', { gameId: 'g2', count: 9 });
    s.emit('clock:sync', { gameId: GAME, version: 3, clocks: marker, serverTime: Date.now() }); // handled after the count before it
    await until('the marker', () => session.model!.clocks?.white === 1234);
    assert.equal(session.spectators, 3);
    s.emit('game:spectators', { gameId: GAME, count: 0 });
    await until('none', () => session.spectators === 0);
  });
});
