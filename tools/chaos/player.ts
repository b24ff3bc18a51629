import type { Prng } from '@rookery/raft/testing';
import { Chess } from 'chess.js';
import type { CommandKind, CommandOp, ReadOp, ViewDigest } from './history';
import type { NodeHandle, NodeSet } from './nodes';
import type { Recorder } from './recorder';
import { SocketConn, httpCommand, httpView, type Answer } from './wire';

/**
 * One player: a session that creates or joins games and plays random legal moves from its own
 * view of the game, over Socket.IO or HTTP, to whichever node it picks. Its view comes from
 * reads (each recorded) of the node that told it something new; game events only wake it up.
 * A command whose outcome is unknown is retried, often, under the same request id — over the
 * other transport or on another node — which is what exactly-once has to survive.
 */

export interface PlayContext {
  rec: Recorder;
  nodes: NodeSet;
  /** Nothing new starts after this (recorder time). */
  stopAt: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const EVENTS: Record<CommandKind, 'game:create' | 'game:join' | 'game:move' | 'game:resign'> = { create: 'game:create', join: 'game:join', move: 'game:move', resign: 'game:resign' };

export class Player {
  /** The game being played, its seat and this player's last view of it. */
  gameId = '';
  color: 'white' | 'black' = 'white';
  private token = '';
  private known: ViewDigest | null = null;
  /** The node that last told this player something new: it has applied at least that far. */
  private informed: NodeHandle | undefined;
  private conn: SocketConn | undefined;
  private seq = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly ctx: PlayContext,
    private readonly rng: Prng,
    readonly session: string,
  ) {}

  private get live(): boolean {
    return this.ctx.rec.now() < this.ctx.stopAt;
  }

  /** Creates a game (its color given), retrying one request id until it is acknowledged; the game id, or undefined past the deadline. */
  async create(color: 'white' | 'black'): Promise<string | undefined> {
    this.reset();
    if (this.rng.chance(0.7)) await this.reconnect();
    for (;;) {
      const a = await this.command('create', { color }, Infinity);
      if (a.outcome === 'ok') {
        this.take(String(a.body.gameId), String(a.body.token), a.body.color === 'black' ? 'black' : 'white');
        return this.gameId;
      }
      if (!this.live) return undefined;
      await sleep(100 + this.rng.int(200));
    }
  }

  /** Joins `gameId`, retrying until acknowledged; false when refused for good or past the deadline. */
  async join(gameId: string): Promise<boolean> {
    this.reset();
    this.gameId = gameId;
    if (this.rng.chance(0.7)) await this.reconnect();
    for (let refusals = 0; refusals < 5; ) {
      const a = await this.command('join', {}, Infinity);
      if (a.outcome === 'ok') {
        this.take(gameId, String(a.body.token), a.body.color === 'black' ? 'black' : 'white');
        return true;
      }
      if (!this.live) return false;
      // A node that has not applied the create yet says it does not know the game: ask again.
      if (a.outcome === 'fail') refusals++;
      await sleep(100 + this.rng.int(200));
    }
    return false;
  }

  /** Plays until the game ends or the deadline passes. */
  async play(): Promise<void> {
    await this.read(this.informed);
    while (this.live && this.known?.status !== 'ended') {
      if (this.myTurn()) {
        await sleep(this.rng.int(60));
        await this.move();
        continue;
      }
      const woken = await this.waitForNews(300 + this.rng.int(500));
      if (this.conn === undefined || !this.conn.connected || !this.conn.seats.has(this.gameId) || this.rng.chance(0.03)) await this.reconnect();
      await this.read(woken ? this.conn?.node : undefined);
    }
  }

  close(): void {
    this.conn?.close();
    this.conn = undefined;
  }

  private reset(): void {
    this.gameId = '';
    this.token = '';
    this.known = null;
    this.informed = undefined;
  }

  private take(gameId: string, token: string, color: 'white' | 'black'): void {
    this.gameId = gameId;
    this.token = token;
    this.color = color;
  }

  private myTurn(): boolean {
    return this.known !== null && this.known.status === 'started' && (this.known.moves.length % 2 === 0 ? 'white' : 'black') === this.color;
  }

  /** A random legal move from this player's view (or, rarely, a resignation). */
  private async move(): Promise<void> {
    const chess = new Chess();
    for (const uci of this.known!.moves) chess.move({ from: uci.slice(0, 2), to: uci.slice(2, 4), ...(uci.length > 4 ? { promotion: uci[4] } : {}) });
    const legal = chess.moves({ verbose: true });
    if (legal.length === 0) {
      await this.read(undefined);
      return;
    }
    const a =
      this.rng.chance(0.01) ? await this.command('resign', {}, 3)
      : await this.command('move', { move: ((m) => m.from + m.to + (m.promotion ?? ''))(this.rng.pick(legal)) }, 3);
    await this.read(a.outcome === 'ok' ? this.informed : undefined);
  }

  /**
   * One command under one request id: attempts until one is answered for sure, or `retries`
   * more attempts after unknown outcomes (each retry, sometimes, is simply not made: the player
   * reads and moves on, leaving the command unknown).
   */
  private async command(kind: CommandKind, input: { color?: 'white' | 'black'; move?: string }, retries: number): Promise<Answer> {
    const requestId = `${this.session}.${++this.seq}`;
    for (let attempt = 0; ; attempt++) {
      // Now and then a move is sent twice at once, over both transports (to two nodes, often): two
      // entries with one request id race through the log, and exactly one may take effect.
      const twice = kind === 'move' && this.conn?.connected === true && this.conn.seats.has(this.gameId) && this.rng.chance(0.08);
      const a = twice ? merge(await Promise.all([this.attempt(kind, requestId, input, 'socket'), this.attempt(kind, requestId, input, 'http')])) : await this.attempt(kind, requestId, input);
      if (a.outcome !== 'unknown') return a;
      if (a.code === 'timeout' || a.code === 'disconnected') this.close();
      if (!this.live || attempt >= retries || (retries !== Infinity && this.rng.chance(0.4))) return a;
      await sleep(50 + this.rng.int(250));
      if (this.conn === undefined && this.rng.chance(0.5)) await this.reconnect();
    }
  }

  private async attempt(kind: CommandKind, requestId: string, input: { color?: 'white' | 'black'; move?: string }, only?: 'socket' | 'http'): Promise<Answer> {
    const seated = kind === 'move' || kind === 'resign';
    // A seat's command over a socket needs a connection that holds the seat; HTTP has no resign.
    const socketOk = this.conn?.connected === true && (!seated || this.conn.seats.has(this.gameId));
    const via = only ?? (socketOk && (kind === 'resign' || this.rng.chance(0.65)) ? 'socket' : kind === 'resign' ? undefined : 'http');
    if (via === undefined) return { outcome: 'fail', code: 'no connection holds the seat' };
    const conn = via === 'socket' ? this.conn! : undefined;
    const node = conn?.node ?? this.pickNode();
    const before = conn?.process ?? this.ctx.nodes.process(node);
    const op = this.ctx.rec.invoke<CommandOp>({
      kind,
      client: this.session,
      game: kind === 'create' ? '' : this.gameId,
      via,
      node: node.id,
      session: this.session,
      requestId,
      ...(seated ? { token: this.token } : {}),
      ...(input.color !== undefined ? { color: input.color } : {}),
      ...(input.move !== undefined ? { move: input.move } : {}),
    });
    const payload = { requestId, ...(kind === 'create' ? { timeControl: null, color: input.color } : { gameId: this.gameId }), ...(input.move !== undefined ? { move: input.move } : {}) };
    let a: Answer & { answeredBy?: string };
    if (conn !== undefined) {
      a = await conn.command(EVENTS[kind], payload);
    } else {
      const path = kind === 'create' ? '/api/games' : `/api/games/${this.gameId}/${kind === 'join' ? 'join' : 'moves'}`;
      const { gameId: _ignored, ...body } = payload as Record<string, unknown>;
      a = await httpCommand(node, path, body, this.session, seated ? this.token : undefined);
    }
    // Which process answered is certain for a socket (it dies with its process) and for HTTP when nothing restarted meanwhile.
    const sure = conn !== undefined ? conn.process : before !== undefined && before === this.ctx.nodes.process(node) && a.answeredBy === node.id ? before : undefined;
    if (a.outcome === 'ok') {
      const b = a.body;
      this.ctx.rec.complete(op, 'ok', {
        version: Number(b.version),
        ...(b.duplicate === true ? { duplicate: true } : {}),
        ...(kind === 'create' ? { game: String(b.gameId) } : {}),
        ...(kind === 'create' || kind === 'join' ? { token: String(b.token) } : {}),
        ...(sure !== undefined ? { process: sure } : {}),
      });
      this.informed = node;
      if (conn !== undefined && (kind === 'create' || kind === 'join')) conn.seats.add(String(b.gameId));
    } else {
      this.ctx.rec.complete(op, a.outcome, { code: a.code });
    }
    return a;
  }

  /** Reads the game's view from `node` (or one picked), recorded as a replica read; keeps it if it is newer. */
  private async read(node: NodeHandle | undefined): Promise<void> {
    if (this.gameId === '') return;
    const target = node !== undefined && this.rng.chance(0.8) ? node : this.pickNode();
    const before = this.ctx.nodes.process(target);
    const op = this.ctx.rec.invoke<ReadOp>({ kind: 'read', consistency: 'replica', client: this.session, game: this.gameId, via: 'http', node: target.id, view: null });
    const r = await httpView(target, this.gameId);
    if (r === undefined) return this.ctx.rec.complete(op, 'unknown', { code: 'no answer' });
    const sure = before !== undefined && before === this.ctx.nodes.process(target) && r.answeredBy === target.id ? before : undefined;
    this.ctx.rec.complete(op, 'ok', { view: r.view, ...(sure !== undefined ? { process: sure } : {}) });
    if (r.view !== null && (this.known === null || r.view.version > this.known.version)) {
      this.known = r.view;
      this.informed = target;
    }
  }

  /** Resolves true when a game event arrives, false after `ms`. */
  private waitForNews(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve(false);
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(true);
      };
    });
  }

  /** A new connection to a node picked afresh, presenting this player's seat; it watches the game from the version known. */
  private async reconnect(): Promise<void> {
    this.close();
    const node = this.pickNode();
    const seats = this.gameId !== '' && this.token !== '' ? { [this.gameId]: this.token } : {};
    try {
      const conn = await SocketConn.connect(
        node,
        this.ctx.nodes.process(node),
        this.session,
        seats,
        (gameId) => {
          if (gameId === this.gameId) this.wake?.();
        },
        (item) => this.ctx.rec.streams.push(item),
      );
      if (this.conn !== undefined) this.conn.close();
      this.conn = conn;
      if (this.gameId !== '') conn.watch(this.gameId, this.known?.version ?? 0);
    } catch {
      // Down, paused or refusing: commands go over HTTP until the next try.
    }
  }

  /** Mostly a node that is up; now and then any member, as a client that does not know which are down. */
  private pickNode(): NodeHandle {
    const up = this.ctx.nodes.up();
    return up.length > 0 && this.rng.chance(0.85) ? this.rng.pick(up) : this.rng.pick(this.ctx.nodes.members());
  }
}

/** The outcome of one command sent twice at once: ok if either was acknowledged, else unknown if either may have happened. */
function merge([a, b]: [Answer, Answer]): Answer {
  if (a.outcome === 'ok') return a;
  if (b.outcome === 'ok') return b;
  return a.outcome === 'unknown' ? a : b;
}
