import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HAPROXY_BIN, TestCluster, type HaproxyProcess, type NodeHandle } from '@rookery/testing';
import { io } from 'socket.io-client';
import { haproxyInFront } from './in-front';
import { composeHaproxyConfig, renderHaproxyConfig } from './render';

const ADMIN = 'haproxy-spec-admin-token';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('deploy/haproxy/haproxy.cfg', () => {
  it('is what the renderer makes for the docker-compose cluster (no hand edits drift)', () => {
    assert.equal(readFileSync(join(__dirname, 'haproxy.cfg'), 'utf8'), composeHaproxyConfig(), 'run npm run haproxy:render');
  });

  it('is accepted by HAProxy (haproxy -c), as is a rendering for five nodes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rookery-haproxy-check-'));
    try {
      const five = renderHaproxyConfig({ nodes: [1, 2, 3, 4, 5].map((i) => ({ id: `n${i}`, http: `127.0.0.1:${8000 + i}`, agentPort: 9000 + i })), bind: '127.0.0.1:18080', statsBind: '127.0.0.1:18404', runtimeSocket: join(dir, 's.sock') });
      writeFileSync(join(dir, 'five.cfg'), five);
      for (const file of [join(__dirname, 'haproxy.cfg'), join(dir, 'five.cfg')]) {
        const r = spawnSync(HAPROXY_BIN, ['-c', '-f', file], { encoding: 'utf8' });
        assert.equal(r.status, 0, `${file}:\n${r.stdout}${r.stderr}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A real HAProxy in front of a real 3-node cluster on loopback: writes reach the leader (and
 * the new one soon after a leader change), sockets any ready node, a draining node is taken out
 * by its agent, long-polling stays on one node by its cookie, the admin API stays private.
 */
describe('HAProxy in front of a 3-node cluster', () => {
  let cluster: TestCluster;
  let haproxy: HaproxyProcess;

  before(async () => {
    // A drain grace long enough for HAProxy's agent (every 300 ms here) to see the drain.
    // HAProxy connects from 127.0.0.2 and only it is believed about X-Forwarded-For; clients
    // come from other loopback addresses, so per-IP limits (10 writes per 20 s) can be seen
    // counting clients, not HAProxy.
    cluster = await TestCluster.start(3, ['--drain-grace-ms', '1000', '--ip-rate', '10'], { agents: true, env: { ADMIN_TOKEN: ADMIN, TRUST_PROXY: '127.0.0.2' } });
    haproxy = await haproxyInFront(cluster, { source: '127.0.0.2' });
    await waitFor(async () => (await haproxy.servers('nodes')).every((s) => s.status === 'UP'), 10_000, 'every node UP in HAProxy');
  });

  after(async () => {
    await haproxy?.stop();
    await cluster?.stop();
  });

  /** Creates a game through HAProxy from a client address of its own (a fresh one each time unless given). */
  let nextHost = 0;
  const write = (session: string, requestId: string, from = `127.0.1.${(nextHost++ % 250) + 1}`): Promise<Answer> =>
    post(`${haproxy.url}/api/games`, { 'content-type': 'application/json', 'x-rookery-session': session }, JSON.stringify({ requestId, timeControl: null, color: 'white' }), from);

  it('sends HTTP writes to the leader and reads to any node; keeps the admin API off the frontend', async () => {
    const leader = await cluster.leader();
    await waitFor(async () => (await haproxy.servers('leader')).some((s) => s.server === leader.id && s.status === 'UP'), 5000, 'the leader UP in the leader backend');
    for (let i = 0; i < 5; i++) {
      const res = await write('hap-writes-00001', `w${i}`);
      assert.equal(res.status, 201, res.body);
      assert.equal(res.node, leader.id, 'a write is answered by the leader');
    }
    const answered = new Set<string>();
    for (let i = 0; i < 12; i++) answered.add((await fetch(`${haproxy.url}/api/games`)).headers.get('x-rookery-node') ?? '?');
    assert.ok(answered.size >= 2, `reads spread over the nodes: ${[...answered].join(', ')}`);
    const admin = await fetch(`${haproxy.url}/api/admin/status`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(admin.status, 403);
  });

  it("counts each client's writes against its own address, not HAProxy's (X-Forwarded-For from a trusted proxy)", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await write('hap-iprate-0001', `ip-a-${i}`, '127.0.0.3')).status);
    assert.deepEqual(statuses, [...Array(10).fill(201), 429], 'the 11th write from 127.0.0.3 within 20 s is refused');
    const other = await write('hap-iprate-0002', 'ip-b-0', '127.0.0.4');
    assert.equal(other.status, 201, `a write from another client still goes through: ${other.body}`);
    // A client cannot pass for another by sending the header itself: HAProxy appends the real one.
    const spoofed = await post(`${haproxy.url}/api/games`, { 'content-type': 'application/json', 'x-rookery-session': 'hap-iprate-0003', 'x-forwarded-for': '127.0.0.9' }, JSON.stringify({ requestId: 'ip-c-0', timeControl: null, color: 'white' }), '127.0.0.3');
    assert.equal(spoofed.status, 429, 'still counted as 127.0.0.3');
  });

  it('keeps a long-polling Socket.IO session on one node by its cookie', async () => {
    // withCredentials: socket.io-client keeps cookies (here, HAProxy's) in Node only when asked to, as a browser does for its origin.
    const socket = io(haproxy.url, { transports: ['polling'], auth: { session: 'hap-polling-0001' }, reconnection: false, forceNew: true, withCredentials: true });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      // Several round trips over polling, each a new HTTP request through HAProxy: all must
      // reach the node that holds the Engine.IO session, or it would answer "Session ID unknown".
      for (let i = 0; i < 6; i++) {
        const r = (await socket.timeout(5000).emitWithAck('lobby:list', {})) as { ok: boolean };
        assert.equal(r.ok, true);
      }
      assert.equal(socket.io.engine.transport.name, 'polling');
    } finally {
      socket.close();
    }
  });

  it('after a leader change, HTTP writes reach the new leader within 2 s', async () => {
    const old = await cluster.leader();
    const res = await fetch(`${old.url}/api/admin/transfer`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    assert.ok(res.ok, await res.text());
    const next = await waitLeaderOtherThan(cluster, old.id);
    const changed = Date.now();
    assert.notEqual(next.id, old.id);
    let i = 0;
    for (;;) {
      const r = await write('hap-leader-0001', `after-${i++}`);
      if (r.status === 201 && r.node === next.id) break;
      assert.ok(Date.now() - changed < 2000, `writes not at the new leader ${next.id} 2 s after the change (last: ${r.status} from ${r.node})`);
      await sleep(20);
    }
    const tookMs = Date.now() - changed;
    process.stdout.write(`# haproxy: writes at the new leader ${next.id} ${tookMs} ms after the leader change\n`);

    // And when the leader dies (kill -9): writes fail over once a new one is elected.
    const victim = next;
    cluster.kill(victim);
    const killed = Date.now();
    let elected = 0;
    for (i = 0; ; i++) {
      if (elected === 0) {
        const l = await cluster.leader(5000).catch(() => undefined);
        if (l !== undefined && l.id !== victim.id) elected = Date.now();
      }
      const r = await write('hap-leader-0002', `kill-${i}`);
      if (r.status === 201) {
        assert.ok(elected === 0 || Date.now() - elected < 2000, 'writes within 2 s of the new leader');
        break;
      }
      assert.ok(Date.now() - killed < 8000, `no write got through within 8 s of killing the leader (last ${r.status})`);
      await sleep(20);
    }
    await cluster.restart(victim);
    await cluster.waitReady();
  });

  it("takes a draining node out through its agent (drain, then maint) before its health check fails", async () => {
    await waitFor(async () => (await haproxy.servers('nodes')).every((s) => s.status === 'UP'), 10_000, 'every node UP');
    const leader = await cluster.leader();
    const node = cluster.nodes.find((n) => n.id !== leader.id)!;
    const res = await fetch(`${node.url}/api/admin/drain`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    assert.ok(res.ok, await res.text());
    const seen: string[] = [];
    await waitFor(async () => {
      const s = (await haproxy.servers('nodes')).find((x) => x.server === node.id)!;
      const status = s.status.split(' ')[0]!;
      if (seen.at(-1) !== status) seen.push(status);
      return node.proc === undefined || node.proc.exitCode !== null;
    }, 10_000, `${node.id} drained and exited`);
    const firstOut = seen.find((x) => x !== 'UP');
    assert.ok(firstOut === 'DRAIN' || firstOut === 'MAINT', `HAProxy saw ${node.id} as ${seen.join(' → ')}: the agent should take it out before its health check fails`);
    await cluster.restart(node as NodeHandle);
    await waitFor(async () => (await haproxy.servers('nodes')).every((s) => s.status === 'UP'), 10_000, 'every node UP again');
  });
});

interface Answer {
  status: number;
  body: string;
  /** Which node answered (x-rookery-node). */
  node: string | undefined;
}

/** A POST from a chosen local address (fetch cannot choose one). */
function post(url: string, headers: Record<string, string>, body: string, localAddress: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers, localAddress, timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, node: res.headers['x-rookery-node'] as string | undefined }));
    });
    req.on('error', (e) => resolve({ status: 0, body: String(e), node: undefined }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

async function waitLeaderOtherThan(cluster: TestCluster, id: string): Promise<NodeHandle> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const l = await cluster.leader();
    if (l.id !== id) return l;
    if (Date.now() > deadline) throw new Error(`leadership did not move from ${id}`);
    await sleep(20);
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}
