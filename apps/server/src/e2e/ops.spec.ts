import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Ack, SeatAck } from '@rookery/protocol';
import { createServer } from 'node:net';
import { TestCluster, type NodeHandle } from '@rookery/testing';
import { Client, getJson, sleep, waitView } from './client';

const INDEX_HTML = '<!doctype html><title>Rookery test client</title>';

// The node as an operator, a timed game and the browser client see it: the leader's flags,
// clock sync, metrics, the admin API, spectator counts, the client's nodes and pages, the drain
// on SIGTERM, and `npm start`.
describe('operations and clocks (3 real nodes)', () => {
  let cluster: TestCluster;
  const clients: Client[] = [];
  const clientDir = mkdtempSync(join(tmpdir(), 'rookery-client-'));
  writeFileSync(join(clientDir, 'index.html'), INDEX_HTML);
  before(async () => {
    cluster = await TestCluster.start(3, (nodes) => ['--admin-token', 'ops-admin-token-1', '--client-dir', clientDir, '--client-nodes', nodes.map((n) => n.url).join(',')]);
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster.stop();
    rmSync(clientDir, { recursive: true, force: true });
  });

  it('the leader flags a side whose clock ran out; watchers get clock syncs meanwhile', async () => {
    const [a, b] = cluster.nodes;
    const white = await Client.connect(a!, { session: 'ops-white-session' });
    const black = await Client.connect(b!, { session: 'ops-black-session' });
    clients.push(white, black);
    const syncs: number[] = [];
    black.socket.on('clock:sync', (s) => syncs.push(s.clocks.white));
    const created = (await white.raw('game:create', { requestId: 'ops-c', timeControl: { initialMs: 4000, incrementMs: 0 }, color: 'white' })) as Ack<SeatAck>;
    assert.ok(created.ok, JSON.stringify(created));
    // Straight after the answers, on other nodes: a replica that has not applied them yet catches up first.
    const joined = await black.join(created.gameId, 'ops-j');
    assert.ok(joined.ok, JSON.stringify(joined));
    const e4 = await white.move(created.gameId, 'ops-1', 'e4');
    assert.ok(e4.ok, JSON.stringify(e4));
    const e5 = await black.move(created.gameId, 'ops-2', 'e5');
    assert.ok(e5.ok, JSON.stringify(e5));
    // White's clock runs from here: 4 s, then the leader proposes the flag.
    const flagged = await black.waitFor((e) => e.type === 'flagged', 'the flag', 8000);
    assert.deepEqual([flagged.type === 'flagged' && flagged.color, flagged.type === 'flagged' && flagged.result], ['white', '0-1']);
    const flaggedAt = flagged.at;
    const movedAt = black.eventsOf(created.gameId).find((e) => e.type === 'moved' && e.ply === 2)!.at;
    // Never early (the state machine checks the entry time); late only by the leader's reaction (loose: CI runs many clusters at once).
    const after = flaggedAt - movedAt;
    assert.ok(after >= 4000, `flagged ${after} ms after the clock started`);
    assert.ok(after < 15_000, `flagged ${after} ms after the clock started`);
    assert.ok(syncs.length >= 1, 'at least one clock:sync while white thought');
    assert.ok(syncs.every((w) => w === 4000), 'a sync carries the clock as of its start, the client counts down');
  });

  it('a command sent to another node straight after the answer is never refused for staleness', async () => {
    const [a, b, c] = cluster.nodes;
    const white = await Client.connect(a!, { session: 'stale-white-session' });
    const black = await Client.connect(b!, { session: 'stale-black-session' });
    const white2 = await Client.connect(c!, { session: 'stale-white-session' });
    clients.push(white, black, white2);
    for (let i = 0; i < 10; i++) {
      const created = await white.create(`stale-c${i}`, 'white');
      assert.ok(created.ok, JSON.stringify(created));
      // No waiting: b may not have applied the create yet, c not the join.
      const joined = await black.join(created.gameId, `stale-j${i}`);
      assert.ok(joined.ok, `join ${i}: ${JSON.stringify(joined)}`);
      const moved = await white2.raw('game:move', { requestId: `stale-m${i}`, gameId: created.gameId, move: 'e4' });
      // white2 holds no seat on its connection: the seat is refused, but never as an unknown game.
      assert.equal((moved as { ok: boolean; error?: { code: string } }).error?.code, 'ERR_NOT_SEATED');
      const e5early = await black.move(created.gameId, `stale-e5-${i}`, 'e5');
      assert.equal(e5early.ok ? 'ok' : e5early.error.code, 'ERR_NOT_YOUR_TURN', 'white has not moved: refused after catching up');
    }
  });

  it('serves Prometheus metrics and guards the admin API with its token', async () => {
    const node = cluster.nodes[0]!;
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    for (const name of ['rookery_raft_term', 'rookery_raft_commit_index', 'rookery_raft_applied_index', 'rookery_raft_snapshot_index', 'rookery_raft_role', 'rookery_sockets', 'rookery_games', 'rookery_commands_total', 'rookery_command_seconds_bucket']) {
      assert.match(metrics, new RegExp(`^${name}`, 'm'), name);
    }
    // The games played above were watched here over WebSockets: their events went the direct way.
    const direct = Number(/^rookery_broadcast_sockets_total\{path="direct"\} (\d+)$/m.exec(metrics)?.[1] ?? 'NaN');
    const engine = Number(/^rookery_broadcast_sockets_total\{path="engine"\} (\d+)$/m.exec(metrics)?.[1] ?? 'NaN');
    assert.ok(direct > 0 && engine >= 0, `rookery_broadcast_sockets_total: direct ${direct}, engine ${engine}`);
    assert.equal((await fetch(`${node.url}/api/admin/status`)).status, 401);
    const status = await fetch(`${node.url}/api/admin/status`, { headers: { authorization: 'Bearer ops-admin-token-1' } });
    assert.equal(status.status, 200);
    const body = (await status.json()) as { membership: { voters: string[] }; desiredMembers?: number };
    assert.deepEqual([...body.membership.voters].sort(), ['n1', 'n2', 'n3']);
    assert.equal(body.desiredMembers, 3, 'the first leader records the founding size as the desired voter count');
    // The desired count is set through any node, replicated; a bad count changes nothing.
    const put = (count: unknown): Promise<Response> =>
      fetch(`${cluster.nodes[1]!.url}/api/admin/desired-members`, { method: 'PUT', headers: { authorization: 'Bearer ops-admin-token-1', 'content-type': 'application/json' }, body: JSON.stringify({ count }) });
    for (const bad of [0, -1, 2.5, 'three']) {
      const r = await put(bad);
      assert.equal(r.status, 400, `count ${JSON.stringify(bad)}`);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'ERR_INVALID_DESIRED_MEMBERS');
    }
    const ok = await put(5);
    assert.equal(ok.status, 200, await ok.text());
    for (const n of cluster.nodes) {
      for (let i = 0; ; i++) {
        const s = (await (await fetch(`${n.url}/api/admin/status`, { headers: { authorization: 'Bearer ops-admin-token-1' } })).json()) as { desiredMembers?: number };
        if (s.desiredMembers === 5) break;
        assert.ok(i < 100, `${n.id} never applied desired 5`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    assert.equal((await put(3)).status, 200);
  });

  it('hands leadership over on the admin call', async () => {
    const leader = await cluster.leader();
    const to = cluster.nodes.find((n) => n !== leader)!;
    const res = await fetch(`${leader.url}/api/admin/transfer`, { method: 'POST', headers: { authorization: 'Bearer ops-admin-token-1', 'content-type': 'application/json' }, body: JSON.stringify({ to: to.id }) });
    assert.equal(res.status, 201, await res.text());
    // The transfer takes a few ticks: the new leader answers /health/leader once it has taken over.
    const deadline = Date.now() + 5000;
    while ((await fetch(`${to.url}/health/leader`)).status !== 200 && Date.now() < deadline) await sleep(50);
    assert.equal((await fetch(`${to.url}/health/leader`)).status, 200, `${to.id} did not take over`);
    assert.equal((await fetch(`${leader.url}/health/leader`)).status, 503);
  });

  it('counts a game\'s spectators over every node: a watcher hears the total go up and down; players are not counted', async () => {
    const [n1, n2, n3] = cluster.nodes as [NodeHandle, NodeHandle, NodeHandle];
    const player = await Client.connect(n1, { session: 'spect-player-session' });
    clients.push(player);
    const created = await player.create('spect-c', 'white');
    assert.ok(created.ok, JSON.stringify(created));
    const gameId = created.gameId;
    // The player hears the count too, without itself in it.
    await player.waitForSpectators(gameId, 0);
    await waitView(n3, gameId, (v) => v.version >= 2, 'created');
    const watcher = await Client.connect(n3, { session: 'spect-watcher-session' });
    clients.push(watcher);
    assert.ok((await watcher.watch(gameId)).ok);
    await watcher.waitForSpectators(gameId, 1); // itself, told straight after its watch
    const a = await Client.connect(n1, { session: 'spect-a-session' });
    await waitView(n2, gameId, (v) => v.version >= 2, 'created');
    const b = await Client.connect(n2, { session: 'spect-b-session' });
    clients.push(a, b);
    assert.ok((await a.watch(gameId)).ok);
    assert.ok((await b.watch(gameId)).ok);
    // Spectators on n1, n2 and n3; the player's own socket on n1 is not one.
    await watcher.waitForSpectators(gameId, 3, 5000);
    await player.waitForSpectators(gameId, 3, 5000);
    assert.ok(b.spectators.some((s) => s.gameId === gameId), 'a new watcher is told the count');
    a.close();
    await watcher.waitForSpectators(gameId, 2, 5000);
    await b.waitForSpectators(gameId, 2, 5000);
    assert.ok(watcher.spectators.every((s) => s.gameId === gameId && s.count >= 1 && s.count <= 3), JSON.stringify(watcher.spectators));
  });

  it('serves the client nodes, CORS for their origins only, and the client\'s page at share links', async () => {
    const [n1, n2] = cluster.nodes as [NodeHandle, NodeHandle];
    assert.deepEqual((await getJson(`${n2.url}/api/nodes`)).body, { ok: true, nodes: cluster.nodes.map((n) => n.url) });
    // A page served by n1 long-polls n2: the browser needs n2 to allow n1's origin.
    const polling = `${n2.url}/socket.io/?EIO=4&transport=polling`;
    const listed = await fetch(polling, { headers: { origin: n1.url } });
    assert.equal(listed.status, 200);
    assert.equal(listed.headers.get('access-control-allow-origin'), n1.url);
    const preflight = await fetch(polling, { method: 'OPTIONS', headers: { origin: n1.url, 'access-control-request-method': 'POST' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), n1.url);
    const stranger = await fetch(polling, { headers: { origin: 'http://stranger.example' } });
    assert.equal(stranger.headers.get('access-control-allow-origin'), null);
    // Share links: /game/<id> is the single-page app's index.html; / too (the static files).
    for (const path of ['/game/abc123', '/game/A_b-9', `/game/${'x'.repeat(32)}`, '/']) {
      const page = await fetch(`${n2.url}${path}`);
      assert.equal(page.status, 200, path);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/, path);
      assert.equal(await page.text(), INDEX_HTML, path);
    }
    for (const path of ['/game/bad.id', `/game/${'x'.repeat(33)}`, '/game/abc/moves', '/game/']) {
      const miss = await getJson(`${n2.url}${path}`);
      assert.equal(miss.status, 404, path);
      assert.equal((miss.body as { error: { code: string } }).error.code, 'ERR_NOT_FOUND', path);
    }
  });

  it('drains on SIGTERM: not ready, clients told to move and closed, exit 0; the cluster goes on', async () => {
    const leader = await cluster.leader();
    const node = cluster.nodes.find((n) => n !== leader)!;
    const client = await Client.connect(node, { session: 'ops-drain-session' });
    clients.push(client);
    const told = new Promise<number>((resolve) => client.socket.once('server:draining', (d) => resolve(d.reconnectInMs)));
    const closed = new Promise<void>((resolve) => client.socket.once('disconnect', () => resolve()));
    const exited = new Promise<number | null>((resolve) => node.proc!.once('exit', (code) => resolve(code)));
    node.proc!.kill('SIGTERM');
    assert.ok((await told) > 0);
    const ready = await fetch(`${node.url}/health/ready`).catch(() => undefined);
    assert.ok(ready === undefined || ready.status === 503, 'not ready while draining');
    await closed;
    assert.equal(await exited, 0);
    node.proc = undefined;
    // The other two still commit.
    const other = cluster.nodes.find((n) => n !== node && n.proc !== undefined)!;
    const c = await Client.connect(other, { session: 'ops-after-drain' });
    clients.push(c);
    assert.ok((await c.create('ops-after', 'white')).ok);
    await cluster.restart(node);
  });
});

describe('npm start', () => {
  it('runs a local cluster, prints its URLs, and stops cleanly on Ctrl-C', async () => {
    const data = mkdtempSync(join(tmpdir(), 'rookery-start-'));
    const httpBase = await freeRange(3);
    const raftBase = await freeRange(3);
    const proc = spawn('npm', ['start', '--', '--nodes', '3', '--http-base', String(httpBase), '--raft-base', String(raftBase), '--data', data], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const deadline = Date.now() + 40_000;
      while ((out.match(/http:\/\/127\.0\.0\.1:\d+/g) ?? []).length < 3 && Date.now() < deadline) await sleep(100);
      const urls = out.match(/http:\/\/127\.0\.0\.1:\d+/g) ?? [];
      assert.equal(urls.length, 3, out);
      const page = await fetch(`${urls[0]}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Rookery/);
      const exited = new Promise<string>((resolve) => proc.once('exit', (code, signal) => resolve(String(signal ?? code))));
      // Ctrl-C: the terminal signals the whole foreground group (npm, the launcher, the nodes).
      process.kill(-proc.pid!, 'SIGINT');
      // npm itself dies of the signal; the launcher drains every node first.
      assert.ok(['0', 'SIGINT'].includes(await exited), out);
      assert.match(out, /draining and stopping every node/);
      for (const url of urls) assert.equal(await fetch(`${url}/health/live`).then(() => 'up', () => 'down'), 'down', `${url} still answers after Ctrl-C`);
    } finally {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(data, { recursive: true, force: true });
    }
  });
});

/** The first of `n` consecutive free loopback ports. */
async function freeRange(n: number): Promise<number> {
  const free = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await free(base + i);
    if (ok) return base;
  }
}

describe('one node with defaults but --max-connections-per-ip 2', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start(1, ['--max-connections-per-ip', '2']);
  });
  after(() => cluster.stop());

  it('refuses a third connection from one address in the handshake, and admits one again when another closes', async () => {
    const open: Client[] = [];
    try {
      const node = cluster.nodes[0]!;
      open.push(await Client.connect(node, { session: 'cap-session-1' }), await Client.connect(node, { session: 'cap-session-2' }));
      await assert.rejects(Client.connect(node, { session: 'cap-session-3' }), /ERR_RATE_LIMITED/);
      open.shift()!.close();
      await sleep(200);
      open.push(await Client.connect(node, { session: 'cap-session-4' }));
    } finally {
      for (const c of open) c.close();
    }
  });

  it('without --client-nodes: no client nodes, no CORS for any origin; without --client-dir no pages', async () => {
    const node = cluster.nodes[0]!;
    assert.deepEqual((await getJson(`${node.url}/api/nodes`)).body, { ok: true, nodes: [] });
    const polling = await fetch(`${node.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'http://127.0.0.1:1' } });
    assert.equal(polling.status, 200, 'served, but the browser may not read it cross-origin');
    assert.equal(polling.headers.get('access-control-allow-origin'), null);
    assert.equal((await getJson(`${node.url}/game/abc123`)).status, 404);
  });
});
