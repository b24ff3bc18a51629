import type { Color, GameEvent, GameView } from '@rookery/protocol';
import { backoffDelay } from '../core/backoff';
import { ServerTime } from '../core/clock';
import { applyEvent, fromView, type GameModel } from '../core/game-model';
import { isRetryable, Outbox, type PendingCommand, type SeatEvent } from '../core/outbox';
import type { SessionStore } from '../core/session';
import type { Connection } from './connection';

export interface GameSessionEvents {
  /** The model, the pending commands or the spectator count changed: draw again. */
  change(): void;
  /** A command was refused for good (not a retryable failure): tell the player. */
  refused(cmd: PendingCommand, code: string, message: string): void;
  /** The game does not exist on the cluster. */
  missing(message: string): void;
  /** A server event, for sounds or animations (after the model took it). */
  event?(e: GameEvent): void;
}

/**
 * One game on the page: watches it on every connection (resuming from the version it has, so no
 * event is missed or applied twice), keeps its model, and sends the player's commands through
 * an outbox, each with its request id until it is answered.
 */
export class GameSession {
  model: GameModel | null = null;
  spectators = 0;
  readonly time = new ServerTime();
  private readonly offs: (() => void)[] = [];
  private resuming = false;
  /** Events that arrived while a resume was under way: applied after its catch-up, in order. */
  private early: GameEvent[] = [];
  private readonly inFlight = new Set<string>();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly gameId: string,
    private readonly conn: Connection,
    private readonly store: SessionStore,
    private readonly ui: GameSessionEvents,
    readonly outbox = new Outbox(),
    private readonly random: () => number = Math.random,
  ) {}

  /** The seat this browser holds in the game, if any. */
  get seat(): Color | null {
    return this.store.seat(this.gameId)?.color ?? null;
  }

  start(): void {
    this.offs.push(
      this.conn.on('game:event', (...events) => {
        for (const e of events) this.onEvent(e);
      }),
      this.conn.on('game:resync', (v) => v.gameId === this.gameId && this.onView(v)),
      this.conn.on('clock:sync', (s) => {
        if (s.gameId !== this.gameId) return;
        this.time.observe(s.serverTime, Date.now());
        if (this.model !== null && s.version === this.model.version) {
          this.model = { ...this.model, clocks: s.clocks };
          this.ui.change();
        }
      }),
      this.conn.on('game:spectators', (s) => {
        if (s.gameId !== this.gameId) return;
        this.spectators = s.count;
        this.ui.change();
      }),
      this.conn.onOnline(() => void this.resume()),
    );
    if (this.conn.online) void this.resume();
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    clearTimeout(this.retryTimer);
    if (this.conn.online) void this.conn.request('game:unwatch', { gameId: this.gameId });
  }

  /** Takes the open seat (a visitor following a shared link). */
  async join(name?: string): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
    const requestId = this.store.requestId();
    for (let attempt = 0; ; attempt++) {
      const r = await this.conn.request('game:join', { requestId, gameId: this.gameId, ...(name ? { name } : {}) });
      if (r.ok) {
        this.store.keepSeat(this.gameId, r.token, r.color, Date.now());
        this.ui.change();
        return { ok: true };
      }
      if (!isRetryable(r.error.code) || attempt >= 8) return { ok: false, code: r.error.code, message: r.error.message };
      await sleep(backoffDelay(attempt, this.random));
    }
  }

  /** Sends a seat command (a move: UCI or SAN); it stays pending until the server answers it. */
  send(event: SeatEvent, move?: string): PendingCommand {
    const p = this.outbox.add({ requestId: this.store.requestId(), event, gameId: this.gameId, basePly: this.model?.moves.length ?? 0, ...(move !== undefined ? { move } : {}) });
    this.ui.change();
    void this.transmit(p);
    return p;
  }

  private async transmit(p: PendingCommand): Promise<void> {
    if (this.inFlight.has(p.requestId) || !this.outbox.has(p.requestId) || !this.conn.online) return;
    this.inFlight.add(p.requestId);
    this.outbox.sent(p.requestId);
    const base = { requestId: p.requestId, gameId: p.gameId };
    // A move carries the plies it was made on: a retry of it can never be applied on a later position.
    const r = p.event === 'game:move' ? await this.conn.request('game:move', { ...base, move: p.move ?? '', ply: p.basePly }) : await this.conn.request(p.event, base);
    this.inFlight.delete(p.requestId);
    if (r.ok) {
      this.outbox.settle(p.requestId);
      this.ui.change();
      return;
    }
    if (isRetryable(r.error.code)) {
      // Sent again when the connection is back (resume), or after a pause if it never went away.
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.flush(), backoffDelay(p.attempts, this.random));
      return;
    }
    this.outbox.settle(p.requestId);
    this.ui.refused(p, r.error.code, r.error.message);
    this.ui.change();
  }

  private flush(): void {
    for (const p of this.outbox.pending(this.gameId)) void this.transmit(p);
  }

  /** Watches the game from the version this page has (all of it the first time), then resends what is pending. */
  private async resume(): Promise<void> {
    if (this.resuming) return;
    this.resuming = true;
    for (let attempt = 0; this.conn.online; attempt++) {
      const version = this.model?.version;
      const r = await this.conn.request('game:watch', { gameId: this.gameId, ...(version !== undefined ? { version } : {}) });
      if (r.ok) {
        // Caught up: from here events apply as they come (a gap found now starts a new resume).
        this.resuming = false;
        const early = this.early.splice(0);
        if (r.catchup.kind === 'resync') this.onView(r.catchup.view);
        else for (const e of r.catchup.events) this.onEvent(e, false);
        for (const e of early) this.onEvent(e);
        this.flush();
        return;
      }
      if (!isRetryable(r.error.code)) {
        this.resuming = false;
        this.early = [];
        this.ui.missing(r.error.message);
        return;
      }
      await sleep(backoffDelay(attempt, this.random));
    }
    // Offline again: the next connection resumes.
    this.resuming = false;
    this.early = [];
  }

  private onView(v: GameView): void {
    this.model = fromView(v);
    this.ui.change();
  }

  /** `live`: it just happened (its entry time says what the server's clock reads now). */
  private onEvent(e: GameEvent, live = true): void {
    if (e.gameId !== this.gameId) return;
    if (this.resuming) {
      // The room may deliver an event before the watch's answer: hold it until the catch-up is in.
      this.early.push(e);
      return;
    }
    if (this.model === null) return;
    const step = applyEvent(this.model, e);
    if (step.kind === 'stale') return;
    if (step.kind === 'gap') {
      // Missed something (a dropped connection we have not noticed yet): resume from what we have.
      void this.resume();
      return;
    }
    this.model = step.model;
    if (live) this.time.observe(e.at, Date.now());
    this.ui.event?.(e);
    this.ui.change();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
