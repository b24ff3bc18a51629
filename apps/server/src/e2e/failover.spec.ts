import assert from 'node:assert/strict';
import { createServer, connect as tcpConnect, type Server, type Socket as TcpSocket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Ack, CommandAck, GameEvent, GameView } from '@rookery/protocol';
import { TestCluster, type NodeHandle } from '@rookery/testing';
import { Client, httpPgn, httpView, sleep, waitView } from './client';

/**
 * A game through two leader crashes (kill -9) on a real 3-node cluster: the players reconnect
 * to surviving nodes and play on, a move whose acknowledgement was lost is retried under the
 * same request id and applied once, killed nodes restart and catch up, and a watcher resumes on
 * another node with exactly the events after the version it had seen.
 */

// The Two Knights Defence, 20 plies (captures and a check), then White resigns.
const SCRIPT = ['e4', 'e5', 'Nf3', 'Nc6', 'Bc4', 'Nf6', 'Ng5', 'd5', 'exd5', 'Na5', 'Bb5+', 'c6', 'dxc6', 'bxc6', 'Be2', 'h6', 'Nf3', 'e4', 'Ne5', 'Bd6'];
const RETRYABLE = new Set(['ERR_UNAVAILABLE', 'ERR_TIMEOUT', 'ERR_DRAINING', 'ERR_BEHIND']);
const PROPOSAL_TIMEOUT_MS = 2000;

const running = (c: TestCluster): NodeHandle[] => c.nodes.filter((n) => n.proc !== undefined);

/** A TCP proxy in front of a node whose answers can be muted: the node gets the client's messages, the client gets nothing back. */
class MutingProxy {
  muted = false;
  private readonly sockets = new Set<TcpSocket>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: NodeHandle): Promise<MutingProxy> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const proxy = new MutingProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => proxy.pipe(client, target));
    return proxy;
  }

  private pipe(client: TcpSocket, target: NodeHandle): void {
    const upstream = tcpConnect(target.httpPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(s);
      });
    }
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (!this.muted) client.write(d);
    });
  }

  /** The node, as reached through this proxy. */
  front(node: NodeHandle): NodeHandle {
    return { ...node, url: `http://127.0.0.1:${this.port}` };
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/**
 * A player across connections: each connection is a segment (the catch-up its watch answered,
 * then what arrived live), and the player's timeline is their concatenation.
 */
class Player {
  private readonly segments: { catchup: GameEvent[]; client: Client }[] = [];
  private rotation = 0;

  constructor(
    readonly name: string,
    private readonly cluster: TestCluster,
    readonly session: string,
    readonly gameId: string,
    readonly token: string,
    client: Client,
    /** The version this player's first connection started receiving after. */
    readonly base: number,
    private readonly track: (c: Client) => Client,
  ) {
    this.segments.push({ catchup: [], client });
  }

  get client(): Client {
    return this.segments[this.segments.length - 1]!.client;
  }

  timeline(): GameEvent[] {
    return this.segments.flatMap((s) => [...s.catchup, ...s.client.eventsOf(this.gameId)]);
  }

  lastVersion(): number {
    return this.timeline().reduce((v, e) => Math.max(v, e.version), this.base);
  }

  /** Drops the current connection and connects to `node` (or any running node), resuming from the last version seen. */
  async reconnect(node?: NodeHandle): Promise<void> {
    this.client.close();
    const deadline = Date.now() + 15_000;
    for (;;) {
      const nodes = running(this.cluster);
      const target = node ?? nodes[this.rotation++ % nodes.length]!;
      try {
        const c = this.track(await Client.connect(target, { session: this.session, seats: { [this.gameId]: this.token } }));
        const since = this.lastVersion();
        const w = await c.watch(this.gameId, since);
        if (w.ok) {
          assert.equal(w.catchup.kind, 'events', `${this.name} resuming from ${since} on ${target.id}`);
          this.segments.push({ catchup: w.catchup.kind === 'events' ? w.catchup.events : [], client: c });
          return;
        }
        c.close();
        assert.ok(RETRYABLE.has(w.error.code), `${this.name}: watch on ${target.id}: ${JSON.stringify(w)}`);
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
      }
      if (Date.now() > deadline) assert.fail(`${this.name} could not reconnect within 15 s`);
      node = undefined;
      await sleep(100);
    }
  }

  async ensureConnected(): Promise<void> {
    if (!this.client.connected) await this.reconnect();
  }

  /** Waits until this player has seen `version` (reconnecting if its node went away). */
  async waitVersion(version: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lastVersion() < version) {
      await this.ensureConnected();
      if (Date.now() > deadline) assert.fail(`${this.name} did not see version ${version} within ${timeoutMs} ms; saw ${this.lastVersion()}`);
      await sleep(20);
    }
  }

  /** Sends a move until it is acknowledged, with the same request id every time; the codes met on the way. */
  async moveUntilOk(requestId: string, move: string): Promise<{ ack: Extract<Ack<CommandAck>, { ok: true }>; attempts: string[] }> {
    const attempts: string[] = [];
    const deadline = Date.now() + 20_000;
    for (;;) {
      await this.ensureConnected();
      try {
        const ack = await this.client.move(this.gameId, requestId, move);
        if (ack.ok) return { ack, attempts };
        attempts.push(ack.error.code);
        assert.ok(RETRYABLE.has(ack.error.code), `${this.name} ${move} (${requestId}) on ${this.client.node.id}: ${JSON.stringify(ack)}; before: ${attempts.join(', ')}`);
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        attempts.push(e instanceof Error ? e.message : String(e));
      }
      if (Date.now() > deadline) assert.fail(`${this.name} ${move} (${requestId}) not acknowledged within 20 s: ${attempts.join(', ')}`);
      await sleep(100);
    }
  }
}

function assertConsecutive(events: GameEvent[], from: number, what: string): void {
  assert.deepEqual(
    events.map((e) => e.version),
    events.map((_, i) => from + i),
    `${what}: versions must run from ${from} without gaps or duplicates`,
  );
}

/** Polls until every running node serves the same view of the game as `reference` does, at least at `version`. */
async function converged(cluster: TestCluster, gameId: string, version: number, timeoutMs = 15_000): Promise<GameView> {
  const deadline = Date.now() + timeoutMs;
  let views: (GameView | undefined)[] = [];
  for (;;) {
    views = await Promise.all(running(cluster).map((n) => httpView(n, gameId).catch(() => undefined)));
    const first = views[0];
    if (first !== undefined && first.version >= version && views.every((v) => v !== undefined && JSON.stringify(v) === JSON.stringify(first))) {
      for (const v of views) assert.deepEqual(v, first);
      return first;
    }
    if (Date.now() > deadline) assert.fail(`views did not converge within ${timeoutMs} ms: ${JSON.stringify(views.map((v) => v && { version: v.version, moves: v.moves.length, status: v.status }))}`);
    await sleep(50);
  }
}

describe('failover on a 3-node cluster', () => {
  let cluster: TestCluster;
  const clients: Client[] = [];
  const proxies: MutingProxy[] = [];
  const track = (c: Client): Client => {
    clients.push(c);
    return c;
  };

  before(async () => {
    cluster = await TestCluster.start(3, ['--proposal-timeout-ms', String(PROPOSAL_TIMEOUT_MS)]);
  });
  after(async () => {
    for (const c of clients) c.close();
    for (const p of proxies) await p.close();
    await cluster?.stop();
  });

  let gameId = '';
  let white: Player;
  let black: Player;
  /** Acknowledged commands in order: request id, move (or resign), the version answered. */
  const acked: { requestId: string; move: string; version: number; duplicate: boolean }[] = [];
  let killedFirst: NodeHandle;
  let killedSecond: NodeHandle;
  // The watcher that leaves and resumes elsewhere.
  let watcher: Client;
  let watcherStart: GameView;
  let watcherSaw = 0;

  const versionNow = (): number => acked[acked.length - 1]?.version ?? 3;

  /** Plays ply `i` of the script, retrying through elections; the mover first waits to have seen the previous move. */
  async function play(i: number): Promise<void> {
    const p = i % 2 === 0 ? white : black;
    await p.waitVersion(versionNow());
    const requestId = `fo-${i + 1}`;
    const { ack } = await p.moveUntilOk(requestId, SCRIPT[i]!);
    assert.equal(ack.gameId, gameId);
    assert.ok(ack.version > versionNow(), `${SCRIPT[i]} acknowledged at ${ack.version}, after ${versionNow()}`);
    acked.push({ requestId, move: SCRIPT[i]!, version: ack.version, duplicate: ack.duplicate === true });
  }

  it('players keep playing through a leader kill -9; a committed move whose ack was lost is retried and answered as a duplicate', async (t) => {
    killedFirst = await cluster.leader();
    const [f1, f2] = cluster.nodes.filter((n) => n !== killedFirst) as [NodeHandle, NodeHandle];
    // White reaches the leader through a proxy that can swallow its answers.
    const proxy = await MutingProxy.start(killedFirst);
    proxies.push(proxy);
    const whiteClient = track(await Client.connect(proxy.front(killedFirst), { session: 'fo-white-session' }));
    const created = await whiteClient.create('fo-create', 'white', 'failover white');
    assert.ok(created.ok, JSON.stringify(created));
    gameId = created.gameId;
    white = new Player('white', cluster, 'fo-white-session', gameId, created.token, whiteClient, created.version, track);
    await waitView(f1, gameId, (v) => v.version >= 2, 'created');
    const blackClient = track(await Client.connect(f1, { session: 'fo-black-session' }));
    const joined = await blackClient.join(gameId, 'fo-join', 'failover black');
    assert.deepEqual(joined.ok && { color: joined.color, version: joined.version }, { color: 'black', version: 3 });
    assert.ok(joined.ok);
    black = new Player('black', cluster, 'fo-black-session', gameId, joined.token, blackClient, joined.version, track);

    await waitView(f2, gameId, (v) => v.version >= 3, 'joined');
    watcher = track(await Client.connect(f2, { session: 'fo-watcher' }));
    const w = await watcher.watch(gameId);
    assert.ok(w.ok && w.catchup.kind === 'resync', JSON.stringify(w));
    watcherStart = w.catchup.view;
    assert.equal(watcherStart.version, 3);

    for (let i = 0; i < 4; i++) await play(i);
    assert.deepEqual(
      acked.map((a) => a.duplicate),
      [false, false, false, false],
    );
    // The watcher has seen 2... Nc6, and goes away; it comes back later, elsewhere.
    await watcher.waitForVersion(gameId, versionNow());
    watcherSaw = watcher.eventsOf(gameId).at(-1)!.version;
    assert.equal(watcherSaw, versionNow());
    watcher.close();

    // 3. Bc4 reaches the leader, which commits it, but its answer never reaches White; then the leader dies.
    await white.waitVersion(versionNow());
    proxy.muted = true;
    const lost = white.client.move(gameId, 'fo-5', 'Bc4').then(
      (r) => `answered ${JSON.stringify(r)}`,
      (e: unknown) => `lost: ${e instanceof Error ? e.message : String(e)}`,
    );
    const moved = await black.client.waitFor((e) => e.type === 'moved' && e.san === 'Bc4', 'Bc4 on black');
    cluster.kill(killedFirst);
    assert.match(await lost, /^lost/, 'the acknowledgement must not have reached white');
    assert.equal(white.client.connected, false);

    // White reconnects to a survivor and retries the same request: the first result, marked duplicate.
    await white.reconnect(f2);
    const retry = await white.moveUntilOk('fo-5', 'Bc4');
    assert.deepEqual(retry.ack, { ok: true, gameId, version: moved.version, duplicate: true }, `retry after ${retry.attempts.join(', ')}`);
    acked.push({ requestId: 'fo-5', move: 'Bc4', version: retry.ack.version, duplicate: true });
    t.diagnostic(`killed ${killedFirst.id}; Bc4 retried on ${white.client.node.id} after [${retry.attempts.join(', ')}]`);

    const newLeader = await cluster.leader();
    assert.notEqual(newLeader.id, killedFirst.id);
    for (let i = 5; i < 10; i++) await play(i);
    const v = await converged(cluster, gameId, versionNow());
    assert.deepEqual(
      v.moves.map((m) => m.san),
      SCRIPT.slice(0, 10),
    );
  });

  it('the killed node restarts, catches up, and serves the same view and PGN as the others', async () => {
    await cluster.restart(killedFirst);
    const view = await converged(cluster, gameId, versionNow());
    assert.equal(running(cluster).length, 3);
    assert.equal(view.version, versionNow());
    assert.deepEqual((await httpView(killedFirst, gameId))?.moves, view.moves);
    const pgns = await Promise.all(running(cluster).map((n) => httpPgn(n, gameId)));
    for (const p of pgns.slice(1)) assert.equal(p, pgns[0]);
  });

  it('a move in flight when the leader it was sent to is killed is retried with its request id and applied exactly once', async (t) => {
    killedSecond = await cluster.leader();
    assert.equal(acked.length, 10);
    // White, to move, talks to the leader directly.
    if (white.client.node.id !== killedSecond.id || !white.client.connected) await white.reconnect(killedSecond);
    await white.waitVersion(versionNow());
    const inFlight = white.client.move(gameId, 'fo-11', 'Bb5+').then(
      (r) => r,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    cluster.kill(killedSecond);
    const first = await inFlight;
    const retry = await white.moveUntilOk('fo-11', 'Bb5+');
    if (typeof first !== 'string' && first.ok) {
      // The answer made it out before the node died: the retry is its duplicate.
      assert.deepEqual(retry.ack, { ...first, duplicate: true });
    }
    acked.push({ requestId: 'fo-11', move: 'Bb5+', version: retry.ack.version, duplicate: retry.ack.duplicate === true });
    t.diagnostic(`killed ${killedSecond.id}; first answer ${JSON.stringify(first)}; retry ${JSON.stringify(retry.ack)} after [${retry.attempts.join(', ')}]`);
    for (let i = 11; i < 16; i++) await play(i);
    const v = await converged(cluster, gameId, versionNow());
    assert.deepEqual(
      v.moves.map((m) => m.san),
      SCRIPT.slice(0, 16),
      `first answer ${JSON.stringify(first)}, retry ${JSON.stringify(retry)}`,
    );
  });

  it('a watcher that saw version v resumes on another node with exactly the events after v, then live ones', async () => {
    const elsewhere = running(cluster).find((n) => n !== watcher.node)!;
    const resumed = track(await Client.connect(elsewhere, { session: 'fo-watcher' }));
    const w = await resumed.watch(gameId, watcherSaw);
    assert.ok(w.ok && w.catchup.kind === 'events', JSON.stringify(w));
    const catchup = w.catchup.events;
    // The rest of the game, live.
    for (let i = 16; i < 20; i++) await play(i);
    await white.waitVersion(versionNow());
    const { ack } = await (async () => {
      for (;;) {
        await white.ensureConnected();
        const r = await white.client.resign(gameId, 'fo-resign').catch(() => undefined);
        if (r?.ok) return { ack: r };
        assert.ok(r === undefined || RETRYABLE.has(r.error.code), JSON.stringify(r));
        await sleep(100);
      }
    })();
    acked.push({ requestId: 'fo-resign', move: 'resign', version: ack.version, duplicate: ack.duplicate === true });
    const end = await resumed.waitFor((e) => e.type === 'resigned', 'resigned');
    assert.equal(end.version, ack.version);

    // The full history, from the node the watcher resumed on.
    const fullAck = await resumed.watch(gameId, 0);
    assert.ok(fullAck.ok && fullAck.catchup.kind === 'events');
    const full = fullAck.catchup.events;
    assertConsecutive(full, 1, 'full history');
    assert.equal(full.at(-1)!.version, ack.version);
    const afterV = [...catchup, ...resumed.eventsOf(gameId)];
    assert.deepEqual(afterV, full.slice(watcherSaw), `events after ${watcherSaw}`);
    assertConsecutive(afterV, watcherSaw + 1, 'resumed watcher');
    // And before leaving, it had seen exactly those from its view to v.
    assert.deepEqual(watcher.eventsOf(gameId), full.slice(watcherStart.version, watcherSaw));
    // The players' timelines, across all their connections: every event once, in order.
    assertConsecutive(white.timeline(), white.base + 1, 'white');
    assertConsecutive(black.timeline(), black.base + 1, 'black');
  });

  it('after the second restart every node agrees; every acknowledged move is in the game exactly once', async () => {
    await cluster.restart(killedSecond);
    const view = await converged(cluster, gameId, versionNow());
    assert.equal(running(cluster).length, 3);
    assert.equal(view.status, 'ended');
    assert.equal(view.result, '0-1');
    assert.equal(view.reason, 'resign');
    assert.deepEqual(
      view.moves.map((m) => m.san),
      SCRIPT,
    );
    // Each acknowledged command owns exactly the versions after the previous one's: its move first.
    const histories = await Promise.all(
      running(cluster).map(async (n) => {
        const c = track(await Client.connect(n, { session: 'fo-auditor' }));
        const w = await c.watch(gameId, 0);
        c.close();
        assert.ok(w.ok && w.catchup.kind === 'events', `${n.id}: ${JSON.stringify(w)}`);
        return w.catchup.events;
      }),
    );
    for (const h of histories.slice(1)) assert.deepEqual(h, histories[0]);
    const full = histories[0]!;
    let prev = 3;
    for (const a of acked) {
      const own = full.filter((e) => e.version > prev && e.version <= a.version);
      assert.ok(own.length > 0, `${a.requestId} owns no events`);
      const first = own[0]!;
      if (a.move === 'resign') assert.equal(first.type, 'resigned');
      else {
        assert.ok(first.type === 'moved' && first.san === a.move, `${a.requestId}: ${JSON.stringify(own)}`);
        assert.ok(
          own.slice(1).every((e) => e.type !== 'moved'),
          `${a.requestId} made one move`,
        );
      }
      prev = a.version;
    }
    assert.equal(prev, full.at(-1)!.version);
    assert.equal(full.filter((e) => e.type === 'moved').length, SCRIPT.length);
    const pgns = await Promise.all(running(cluster).map((n) => httpPgn(n, gameId)));
    for (const p of pgns.slice(1)) assert.equal(p, pgns[0]);
    assert.ok(pgns[0]!.trim().endsWith('0-1'), pgns[0]);
  });
});
