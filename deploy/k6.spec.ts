import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import WebSocket from 'ws';
import type { GameView } from '@rookery/protocol';
import { TestCluster, type NodeHandle } from '@rookery/testing';
import { KNIGHT_CYCLE, PLIES_PER_GAME, createGameCall, joinGameCall, moveCall, readSeat, recordMove, startedGame, type HttpCall, type PlayedGame } from './k6/lib/moves';
import { playGame, withinTimers } from './k6/lib/play';
import { SioClient } from './k6/lib/sio-client';
import { SOCKET_IO_PATH, decodeFrame, encodeAck, encodeConnect, encodeEvent, encodePong } from './k6/lib/socketio';
import { rateRow, rateTable, type SummaryData } from './k6/lib/summary';
import { SyncHttp, bundleForNode, installK6 } from './k6/test/k6-stubs';

/**
 * k6 cannot run here, so its scripts are held to everything short of k6's runtime: they
 * type-check with k6's types alone and bundle into modules that import only k6; the framing they
 * speak agrees with Socket.IO's own parser and plays a real game on a real 3-node cluster; the
 * HTTP move cycle is played to its fivefold end; and the bundled scripts themselves run their
 * setup and iterations against the cluster with k6's modules stood in for by Node's.
 */
const REPO = resolve(__dirname, '..');
const K6 = join(REPO, 'deploy', 'k6');
const SCRIPTS = readdirSync(K6).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.spec.ts'));

describe('k6 scripts: types and bundles', () => {
  it("type-check with k6's types alone (no Node, no DOM)", () => {
    const tsc = spawnSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(K6, 'tsconfig.json'), '--noEmit'], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, `tsc -p deploy/k6/tsconfig.json:\n${tsc.stdout}${tsc.stderr}`);
  });

  it("bundle into one ES module each, importing only k6's modules", () => {
    const out = mkdtempSync(join(tmpdir(), 'rookery-k6-'));
    try {
      const run = spawnSync(process.execPath, [join(K6, 'build.mjs'), '--out', out], { encoding: 'utf8' });
      assert.equal(run.status, 0, `build.mjs failed:\n${run.stdout}${run.stderr}`);
      assert.deepEqual(SCRIPTS.sort(), ['http-moves.ts', 'socketio-play.ts']);
      for (const script of SCRIPTS) {
        const file = join(out, script.replace(/\.ts$/, '.js'));
        assert.ok(existsSync(file), `no bundle for ${script}`);
        const js = readFileSync(file, 'utf8');
        const imports = [...js.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm)].map((m) => m[1] ?? m[2]!);
        assert.ok(imports.length > 0, `${script} imports nothing from k6?`);
        for (const i of imports) assert.match(i, /^(k6(\/[a-z-]+)*|https:\/\/.+)$/, `${script} imports ${i}, which k6 cannot load`);
        assert.doesNotMatch(js, /\brequire\(|\bimport\(|\bprocess\.|\bBuffer\b/, `${script} uses Node at run time`);
        assert.match(js, /export\s*\{[^}]*\bas default\b|export default/, `${script} has no default function`);
      }
      assert.match(readFileSync(join(K6, '.gitignore'), 'utf8'), /^dist\/$/m);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('Socket.IO framing (deploy/k6/lib/socketio.ts)', () => {
  const encoder = new Encoder();
  /** socket.io-parser's packet, as the server would write it inside an Engine.IO message. */
  const server = (p: Packet): string => `4${encoder.encode(p)[0] as string}`;
  const serverRead = (frame: string): Packet => {
    const d = new Decoder();
    let out: Packet | undefined;
    d.on('decoded', (p: Packet) => (out = p));
    d.add(frame.slice(1));
    return out!;
  };

  it('reads the open packet: the session id, the heartbeat and the payload limit', () => {
    assert.deepEqual(decodeFrame('0{"sid":"Cz5V","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":4096}'), { kind: 'open', sid: 'Cz5V', pingInterval: 25000, pingTimeout: 20000, maxPayload: 4096 });
  });

  it('answers a ping with a pong carrying its data', () => {
    assert.deepEqual(decodeFrame('2'), { kind: 'ping', data: '' });
    assert.equal(encodePong(), '3');
    assert.equal(encodePong('probe'), '3probe');
  });

  it('writes what the server reads: a connect with its auth, events with ack ids, acks, in any namespace', () => {
    assert.deepEqual(serverRead(encodeConnect({ session: 'alice-0001' })), { type: PacketType.CONNECT, nsp: '/', data: { session: 'alice-0001' } });
    assert.deepEqual(serverRead(encodeEvent('game:move', [{ gameId: 'g', move: 'g1f3' }], 7)), { type: PacketType.EVENT, nsp: '/', id: 7, data: ['game:move', { gameId: 'g', move: 'g1f3' }] });
    assert.deepEqual(serverRead(encodeEvent('lobby:list', [{}])), { type: PacketType.EVENT, nsp: '/', data: ['lobby:list', {}] });
    assert.deepEqual(serverRead(encodeEvent('x', [1, 'two'], 0, '/admin')), { type: PacketType.EVENT, nsp: '/admin', id: 0, data: ['x', 1, 'two'] });
    assert.deepEqual(serverRead(encodeAck(12, [{ ok: true }])), { type: PacketType.ACK, nsp: '/', id: 12, data: [{ ok: true }] });
    assert.throws(() => encodeEvent('x', [], 1.5), RangeError);
  });

  it('reads what the server writes: its connect, events, acks, refusals', () => {
    assert.deepEqual(decodeFrame(server({ type: PacketType.CONNECT, nsp: '/', data: { sid: 'Bhjp' } })), { kind: 'connect', nsp: '/', data: { sid: 'Bhjp' } });
    assert.deepEqual(decodeFrame(server({ type: PacketType.EVENT, nsp: '/', data: ['game:event', { gameId: 'g', version: 3 }] })), { kind: 'event', nsp: '/', name: 'game:event', args: [{ gameId: 'g', version: 3 }], ackId: undefined });
    assert.deepEqual(decodeFrame(server({ type: PacketType.ACK, nsp: '/', id: 31, data: [{ ok: false, error: { code: 'ERR_NOT_YOUR_TURN' } }] })), { kind: 'ack', nsp: '/', ackId: 31, args: [{ ok: false, error: { code: 'ERR_NOT_YOUR_TURN' } }] });
    assert.deepEqual(decodeFrame(server({ type: PacketType.EVENT, nsp: '/chat', id: 4, data: ['ask', 1] })), { kind: 'event', nsp: '/chat', name: 'ask', args: [1], ackId: 4 });
    assert.deepEqual(decodeFrame(server({ type: PacketType.CONNECT_ERROR, nsp: '/', data: { message: 'ERR_DRAINING: this node is draining' } })), { kind: 'connect_error', nsp: '/', message: 'ERR_DRAINING: this node is draining', data: undefined });
    assert.equal((decodeFrame('44"old style"') as { message: string }).message, 'old style');
    assert.deepEqual(decodeFrame(server({ type: PacketType.DISCONNECT, nsp: '/' })), { kind: 'disconnect', nsp: '/' });
  });

  it('answers what it cannot read as a value, never an exception', () => {
    for (const frame of ['', '9', '0{"sid":1}', '42["unterminated"', '42{"not":"an array"}', '43[1]', '431{"x":1}', '451-["bin",{"_placeholder":true,"num":0}]', '42/chat["no comma"]']) {
      assert.equal(decodeFrame(frame).kind, 'invalid', `${JSON.stringify(frame)} was read as a packet`);
    }
  });

  it('a client connects on open, answers pings, matches acks by id and refuses what waits when the socket closes', async () => {
    const sent: string[] = [];
    const c = new SioClient({ send: (t) => sent.push(t), close: () => sent.push('(closed)') }, { session: 'bob-00000001' });
    c.receive('0{"sid":"e","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":4096}');
    assert.deepEqual(sent, ['40{"session":"bob-00000001"}']);
    c.receive('40{"sid":"s1"}');
    assert.equal(await c.connected, 's1');
    c.receive('2');
    const first = c.request<{ ok: boolean }>('game:join', { gameId: 'g' });
    const second = c.request<{ ok: boolean }>('game:move', { gameId: 'g' });
    assert.deepEqual(sent.slice(1), ['3', '420["game:join",{"gameId":"g"}]', '421["game:move",{"gameId":"g"}]']);
    c.receive('431[{"ok":false}]');
    c.receive('430[{"ok":true}]');
    assert.deepEqual([await first, await second], [{ ok: true }, { ok: false }]);
    const pending = c.request('game:resign', {});
    c.closed();
    await assert.rejects(pending, /connection closed/);
    const refused = new SioClient({ send: () => undefined, close: () => undefined }, {});
    refused.receive('0{"sid":"e","pingInterval":1,"pingTimeout":1}');
    refused.receive('44{"message":"ERR_RATE_LIMITED: too many connections"}');
    await assert.rejects(refused.connected, /ERR_RATE_LIMITED/);
  });
});

describe('the write-load move cycle and its table', () => {
  it('a game takes 16 plies of the knight cycle, white first; a refused or lost move is retried under the same request id', () => {
    const g: PlayedGame = { gameId: 'g', sessions: { white: 'w-session', black: 'b-session' }, tokens: { white: 'tw', black: 'tb' }, plies: 0, over: false };
    assert.equal(PLIES_PER_GAME, 16);
    const made: string[] = [];
    let timedOut = false;
    while (!g.over) {
      const call = moveCall(g);
      made.push(`${call.headers['x-rookery-session']} ${call.headers['authorization']} ${call.body}`);
      if (g.plies === 5 && !timedOut) {
        timedOut = true;
        assert.equal(recordMove(g, 503, '{"ok":false,"error":{"code":"ERR_TIMEOUT"}}').outcome, 'retry');
        continue;
      }
      assert.equal(recordMove(g, 201, '{"ok":true}').outcome, 'moved');
    }
    assert.equal(made.length, 17, 'sixteen moves and one retry');
    assert.equal(made[0], 'w-session Bearer tw {"requestId":"m1","move":"g1f3"}');
    assert.equal(made[1], 'b-session Bearer tb {"requestId":"m2","move":"g8f6"}');
    assert.equal(made[5], made[6], 'the retry is the same command');
    assert.equal(recordMove({ ...g, over: false }, 409, '{"ok":false,"error":{"code":"ERR_GAME_OVER"}}').outcome, 'game-over');
    assert.equal(recordMove(g, 409, '{"ok":false,"error":{"code":"ERR_NOT_YOUR_TURN"}}').outcome, 'refused');
  });

  it('prints a row per rate: achieved, p50 to p99, max, errors', () => {
    const data: SummaryData = {
      metrics: {
        'http_req_duration{op:move,rate:100}': { type: 'trend', values: { 'p(50)': 3.2, 'p(90)': 7.5, 'p(95)': 9.1, 'p(99)': 22.4, max: 80.2 } },
        'http_req_failed{op:move,rate:100}': { type: 'rate', values: { rate: 0.001, passes: 3, fails: 2997 } },
        'moves{rate:100}': { type: 'counter', values: { count: 2997 } },
      },
    };
    const table = rateTable([rateRow(data, 100, 30), rateRow(data, 1000, 30)]).split('\n');
    assert.match(table[0]!, /rate\/s\s+achieved\/s\s+p50 ms\s+p90 ms\s+p95 ms\s+p99 ms\s+max ms\s+errors/);
    assert.match(table[2]!, /^\s*100\s+99\.9\s+3\.20\s+7\.50\s+9\.10\s+22\.4\s+80\.2\s+3$/);
    assert.match(table[3]!, /^\s*1000\s+0\.0\s+-\s+-\s+-\s+-\s+-\s+0$/);
  });
});

describe('k6 scripts against a real 3-node cluster', () => {
  let cluster: TestCluster;
  let http: SyncHttp;
  let out: string;
  before(async () => {
    cluster = await TestCluster.start(3);
    http = new SyncHttp();
    out = mkdtempSync(join(tmpdir(), 'rookery-k6-run-'));
  });
  after(async () => {
    await http?.close();
    await cluster?.stop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const nodes = (): [NodeHandle, NodeHandle, NodeHandle] => cluster.nodes as [NodeHandle, NodeHandle, NodeHandle];
  const env = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), within: withinTimers(setTimeout, clearTimeout), thinkMs: 0, waitMs: 5000 };

  /** A raw websocket to a node, its frames fed to a Socket.IO client; every frame either way kept. */
  function connect(node: NodeHandle, session: string): { client: SioClient; frames: string[] } {
    const frames: string[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${node.httpPort}${SOCKET_IO_PATH}`);
    const client = new SioClient({ send: (t) => (frames.push(`> ${t}`), ws.send(t)), close: () => ws.close() }, { session });
    ws.on('message', (d) => (frames.push(`< ${d.toString()}`), client.receive(d.toString())));
    ws.on('close', () => client.closed());
    ws.on('error', (e) => client.closed(e.message));
    return { client, frames };
  }

  it('speaks Socket.IO by hand: white on n1 creates, black on n2 joins, they play, a spectator on n3 sees every event', async () => {
    const [n1, n2, n3] = nodes();
    const white = connect(n1, 'raw-white-0001');
    const black = connect(n2, 'raw-black-0001');
    const watcher = connect(n3, 'raw-watch-0001');
    try {
      await Promise.all([white.client.connected, black.client.connected, watcher.client.connected]);
      const report = await playGame(white.client, black.client, [watcher.client], { ...env, tag: 'raw' });
      assert.deepEqual(report.problems, []);
      assert.equal(report.plies, PLIES_PER_GAME);
      assert.equal(report.ending, 'draw:fivefold');
      assert.ok(report.watchersInOrder);
      assert.equal(report.watchLagMs.length, PLIES_PER_GAME);
      // The wire, as the watcher's node wrote it.
      assert.match(watcher.frames[0]!, /^< 0\{"sid":"[^"]+","upgrades":\[\],"pingInterval":25000/);
      assert.equal(watcher.frames[1], '> 40{"session":"raw-watch-0001"}');
      assert.match(watcher.frames[2]!, /^< 40\{"sid":"[^"]+"\}$/);
      assert.match(white.frames.find((f) => f.startsWith('> 42') && f.includes('game:move'))!, /^> 42\d+\["game:move",\{"requestId":"raw-m1","gameId":"[^"]+","move":"g1f3"\}\]$/);
      const moved = watcher.frames.filter((f) => f.startsWith('< 42["game:event"') && f.includes('"type":"moved"'));
      assert.equal(moved.length, PLIES_PER_GAME);
      assert.deepEqual(moved.map((f) => (JSON.parse(f.slice(4)) as [string, { uci: string }])[1].uci), Array.from({ length: PLIES_PER_GAME }, (_, i) => KNIGHT_CYCLE[i % 4]));
      for (const c of [white, black, watcher]) assert.deepEqual(c.client.unreadable, []);
    } finally {
      for (const c of [white, black, watcher]) c.client.close();
    }
  });

  /** An HttpCall through fetch, to `node`. */
  async function send(node: NodeHandle, call: HttpCall): Promise<[number, string]> {
    const res = await fetch(node.url + call.path, { method: call.method, headers: call.headers, body: call.body });
    return [res.status, await res.text()];
  }

  it('HTTP: the move cycle plays a game to its fivefold end, and the next move starts a new game', async () => {
    const [n1, n2, n3] = nodes();
    const start = async (tag: string): Promise<PlayedGame> => {
      const white = readSeat(...(await send(n1, createGameCall(`http-${tag}-w`))));
      assert.ok(white.ok, `create: ${white.ok ? '' : white.why}`);
      const black = readSeat(...(await send(n2, joinGameCall(white.gameId, `http-${tag}-b`))));
      assert.ok(black.ok, `join: ${black.ok ? '' : black.why}`);
      return startedGame(white, `http-${tag}-w`, black, `http-${tag}-b`);
    };
    const game = await start('one0');
    // A retried move (the answer lost) is one move: the first answer again, marked duplicate.
    const [status, body] = await send(n3, moveCall(game));
    assert.equal(recordMove(game, status, body).outcome, 'moved');
    const again = await send(n1, moveCall({ ...game, plies: 0 }));
    assert.equal(again[0], 201);
    assert.equal((JSON.parse(again[1]) as { duplicate?: boolean }).duplicate, true);
    while (!game.over) {
      const node = nodes()[game.plies % 3]!;
      assert.equal(recordMove(game, ...(await send(node, moveCall(game)))).outcome, 'moved', `ply ${game.plies + 1}`);
    }
    assert.equal(game.plies, PLIES_PER_GAME);
    const view = (await (await fetch(`${n1.url}/api/games/${game.gameId}`)).json()) as { game: GameView };
    assert.deepEqual([view.game.status, view.game.reason, view.game.result], ['ended', 'fivefold', '1/2-1/2']);
    // Had the script missed the end, the server says so, and the script starts a new game.
    const late = { ...game, over: false };
    assert.deepEqual(recordMove(late, ...(await send(n2, moveCall(late)))), { outcome: 'game-over', code: 'ERR_GAME_OVER' });
    assert.ok(late.over);
    const next = await start('two0');
    assert.notEqual(next.gameId, game.gameId);
    assert.equal(recordMove(next, ...(await send(n3, moveCall(next)))).outcome, 'moved');
  });

  it('the bundled http-moves script: setup() starts games, each iteration makes one move, a game ended by repetition is replaced', async () => {
    const file = join(out, 'http-moves.mjs');
    await bundleForNode(join(K6, 'http-moves.ts'), file);
    const rec = installK6({ K6_BASE_URL: nodes()[0].url }, http);
    const script = (await import(pathToFileURL(file).href)) as {
      options: { scenarios: Record<string, { executor: string; rate: number; startTime: string; tags: Record<string, string> }>; thresholds: Record<string, string[]> };
      setup(): { games: PlayedGame[] };
      default(data: unknown): void;
      handleSummary(d: SummaryData): { stdout: string };
    };
    const scenarios = Object.values(script.options.scenarios);
    assert.deepEqual(scenarios.map((s) => [s.executor, s.rate, s.tags['rate']]), [2, 3, 5, 10, 100, 1000].map((r) => ['constant-arrival-rate', r, String(r)]));
    assert.deepEqual(scenarios.map((s) => s.startTime), ['0s', '35s', '70s', '105s', '140s', '175s'], 'one rate after another');
    assert.deepEqual(script.options.thresholds['http_req_duration{op:move,rate:1000}'], ['p(99)<500']);

    const data = script.setup();
    assert.equal(data.games.length, 50, 'a game for each VU the highest rate starts with');
    (globalThis as { __VU?: number }).__VU = 1;
    for (let i = 0; i < PLIES_PER_GAME + 4; i++) script.default(data);
    assert.equal(rec.samples.get('moves')?.length, PLIES_PER_GAME + 4);
    assert.equal(rec.samples.get('games_started')?.length, 1, 'the ended game is replaced once');
    for (const [name, c] of rec.checks) assert.equal(c.fails, 0, `check "${name}" failed ${c.fails} times`);
    assert.ok((rec.samples.get('http_req_failed') ?? []).every((s) => s.value === 0), 'a request failed');
    assert.match(script.handleSummary({ metrics: {} }).stdout, /Rookery write load[^\n]*\n\n\s*rate\/s/);
  });

  it('the bundled socketio-play script plays a game with two spectators over the websocket API k6 has', async () => {
    const file = join(out, 'socketio-play.mjs');
    await bundleForNode(join(K6, 'socketio-play.ts'), file);
    const rec = installK6({ K6_WS_URL: `ws://127.0.0.1:${nodes()[1].httpPort}`, K6_THINK_MS: '0', K6_WATCHERS: '2' }, http);
    const script = (await import(pathToFileURL(file).href)) as { default(): Promise<void> };
    (globalThis as { __VU?: number }).__VU = 1;
    await script.default();
    for (const [name, c] of rec.checks) assert.equal(c.fails, 0, `check "${name}" failed`);
    assert.equal(rec.checks.get('the game ends by fivefold repetition')?.passes, 1);
    assert.deepEqual(rec.samples.get('sio_games_ok')?.map((s) => s.value), [1]);
    assert.equal(rec.samples.get('sio_moves')?.[0]?.value, PLIES_PER_GAME);
    assert.equal(rec.samples.get('sio_watch_lag')?.length, PLIES_PER_GAME * 2);
  });
});
