import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { RaftCore } from '../core/raft';
import { MemoryStorage } from '../core/storage';
import { emptyMessage, type Message, type NodeId } from '../core/types';
import { CodecError, decodeAppMessage, decodeMessage, encodeAppMessage, encodeMessage } from './codec';
import { jsonFrame, PeerTransport, type PeerAddress } from './transport';
import { until } from '../testing/until';

const LOCAL = { host: '127.0.0.1', port: 0 };
const SECRET = 'cluster-secret-for-tests';

function sample(): Message {
  const m = emptyMessage('MsgApp', 'n1', 'n2');
  m.term = 7;
  m.logTerm = 6;
  m.index = 41;
  m.commit = 40;
  m.rejectHint = 3;
  m.context = 'ctx-ü';
  m.entries = [
    { term: 7, index: 42, type: 'normal', data: new Uint8Array([1, 2, 3]) },
    { term: 7, index: 43, type: 'conf', data: new Uint8Array(0) },
  ];
  m.snapshot = { meta: { index: 30, term: 5, membership: { voters: ['n1', 'n2'], learners: ['n3'] } }, offset: 16, last: true, data: new Uint8Array([9, 9]) };
  return m;
}

describe('peer wire format', () => {
  it('round-trips every field of a message, entries and snapshot chunk included', () => {
    const m = sample();
    const frame = encodeMessage(m);
    assert.equal(frame.readUInt32LE(0), frame.length - 4);
    assert.deepEqual(decodeMessage(frame.subarray(4)), m);
    const bare = emptyMessage('MsgHeartbeatResp', 'a', 'b');
    assert.deepEqual(decodeMessage(encodeMessage(bare).subarray(4)), bare);
  });

  it('a truncated or padded frame is a CodecError, not a half-read message', () => {
    const frame = encodeMessage(sample()).subarray(4);
    assert.throws(() => decodeMessage(frame.subarray(0, frame.length - 1)), CodecError);
    assert.throws(() => decodeMessage(Buffer.concat([frame, Buffer.from([0])])), CodecError);
  });
});

describe('peer transport', () => {
  it('delivers messages between peers that share the cluster secret, both ways', async () => {
    const gotA: Message[] = [];
    const gotB: Message[] = [];
    const a = new PeerTransport({ id: 'n1', listen: LOCAL, secret: SECRET, onMessage: (m) => gotA.push(m) });
    const b = new PeerTransport({ id: 'n2', listen: LOCAL, secret: SECRET, onMessage: (m) => gotB.push(m) });
    const [addrA, addrB] = await Promise.all([a.start(), b.start()]);
    try {
      a.setPeer('n2', addrB);
      b.setPeer('n1', addrA);
      a.send(sample());
      const back = emptyMessage('MsgAppResp', 'n2', 'n1');
      back.term = 7;
      back.index = 43;
      b.send(back);
      await until(() => gotA.length === 1 && gotB.length === 1, 3000, 'both messages');
      assert.deepEqual(gotB[0], sample());
      assert.deepEqual(gotA[0], back);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('a process without the secret is refused before any message; a raw socket too', async () => {
    const got: Message[] = [];
    const member = new PeerTransport({ id: 'n1', listen: LOCAL, secret: SECRET, onMessage: (m) => got.push(m) });
    const intruderGot: Message[] = [];
    const intruder = new PeerTransport({ id: 'n9', listen: LOCAL, secret: 'not-the-secret', onMessage: (m) => intruderGot.push(m) });
    const [addrMember, addrIntruder] = await Promise.all([member.start(), intruder.start()]);
    try {
      intruder.setPeer('n1', addrMember);
      member.setPeer('n9', addrIntruder);
      const vote = emptyMessage('MsgVote', 'n9', 'n1');
      vote.term = 1000;
      for (let i = 0; i < 5; i++) intruder.send(vote);
      member.send(emptyMessage('MsgHeartbeat', 'n1', 'n9'));
      await until(() => member.stats.rejected >= 1 && intruder.stats.rejected >= 1, 3000, 'both sides to refuse');
      // A raw client that skips the handshake and writes a well-formed message frame.
      const raw = connect(addrMember.port, addrMember.host);
      raw.on('error', () => undefined);
      raw.resume(); // read (and drop) the challenge, so the close is seen
      await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
      raw.write(jsonFrame({ id: 'n9', mac: '00', nonce: '00' }));
      raw.write(encodeMessage(vote));
      await new Promise<void>((resolve) => raw.once('close', () => resolve()));
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(got, [], 'nothing from the intruder reached the member');
      assert.deepEqual(intruderGot, [], 'and the member sent nothing to a peer that could not prove itself');
    } finally {
      await Promise.all([member.stop(), intruder.stop()]);
    }
  });

  it('a peer that is down costs a bounded queue; after it returns, messages flow again', async () => {
    const got: Message[] = [];
    const a = new PeerTransport({ id: 'n1', listen: LOCAL, secret: SECRET, onMessage: () => undefined, maxQueueBytes: 4096, reconnectMinMs: 10, reconnectMaxMs: 50 });
    const b1 = new PeerTransport({ id: 'n2', listen: LOCAL, secret: SECRET, onMessage: (m) => got.push(m) });
    await a.start();
    const addrB = await b1.start();
    try {
      a.setPeer('n2', addrB);
      a.send(heartbeat(1));
      await until(() => got.length === 1, 3000, 'the first message');
      await b1.stop();
      for (let i = 0; i < 500; i++) a.send(heartbeat(2));
      assert.ok(a.stats.dropped > 400, `dropped ${a.stats.dropped}: the queue for a down peer is bounded`);
      const b2 = new PeerTransport({ id: 'n2', listen: { host: addrB.host, port: addrB.port }, secret: SECRET, onMessage: (m) => got.push(m) });
      await b2.start();
      try {
        await until(() => {
          a.send(heartbeat(3));
          return got.some((m) => m.term === 3);
        }, 5000, 'a message after the peer came back');
      } finally {
        await b2.stop();
      }
    } finally {
      await Promise.all([a.stop(), b1.stop()]);
    }
  });

  it('a peer back up is dialled at once, not after the backoff: when it dials us, or when it is named again', async () => {
    // A backoff of up to a minute: without the wake-up, a message would wait for it.
    const slow = { reconnectMinMs: 60_000, reconnectMaxMs: 60_000 };
    const got: Message[] = [];
    const a = new PeerTransport({ id: 'n1', listen: LOCAL, secret: SECRET, onMessage: () => undefined, ...slow });
    const addrA = await a.start();
    const probe = new PeerTransport({ id: 'n2', listen: LOCAL, secret: SECRET, onMessage: () => undefined });
    const addrB = await probe.start(); // a free port for n2, closed again
    await probe.stop();
    const revived: PeerTransport[] = [];
    const revive = async (): Promise<PeerTransport> => {
      const b = new PeerTransport({ id: 'n2', listen: addrB, secret: SECRET, onMessage: (m) => got.push(m), ...slow });
      revived.push(b);
      await b.start();
      return b;
    };
    try {
      a.setPeer('n2', addrB); // refused: n2 is down, so the next dial waits out the backoff
      await new Promise((r) => setTimeout(r, 100));
      // 1. n2 comes back and dials n1 (as a restarted member does): n1 dials back now.
      const b = await revive();
      b.setPeer('n1', addrA);
      const t0 = Date.now();
      await until(() => {
        a.send(heartbeat(5));
        return got.some((m) => m.term === 5);
      }, 5000, 'a message to n2 once it dialled n1');
      const first = Date.now() - t0;
      // 2. n2 goes down again, comes back without dialling, and n1 is told its address again.
      await b.stop();
      await new Promise((r) => setTimeout(r, 100));
      await revive();
      const t1 = Date.now();
      a.setPeer('n2', addrB);
      await until(() => {
        a.send(heartbeat(6));
        return got.some((m) => m.term === 6);
      }, 5000, 'a message to n2 once named again');
      const second = Date.now() - t1;
      assert.ok(first < 1000 && second < 1000, `delivered ${first} ms and ${second} ms after the peer was back (the backoff was up to 60 s)`);
    } finally {
      await Promise.all([a.stop(), ...revived.map((t) => t.stop())]);
    }
  });

  it('a three-node Raft cluster over the transport elects a leader; an intruder cannot vote or append', async () => {
    const ids: NodeId[] = ['n1', 'n2', 'n3'];
    const nodes = ids.map((id) => new LiveNode(id, ids, SECRET));
    const intruder = new LiveNode('n1', ['n1'], 'wrong-secret'); // even claiming a member's name
    const addrs = await Promise.all(nodes.map((n) => n.start()));
    await intruder.start();
    try {
      for (const n of nodes) for (let i = 0; i < ids.length; i++) if (ids[i] !== n.id) n.transport.setPeer(ids[i]!, addrs[i]!);
      await until(() => nodes.some((n) => n.core.role === 'leader'), 5000, 'a leader');
      const leader = nodes.find((n) => n.core.role === 'leader')!;
      const term = leader.core.term;
      assert.ok(leader.core.propose(new TextEncoder().encode('x')).ok);
      await until(() => nodes.every((n) => n.core.log.committed >= 3), 3000, 'the proposal to commit everywhere');
      // The intruder dials every member and asks for votes and appends at a far higher term.
      for (let i = 0; i < ids.length; i++) intruder.transport.setPeer(ids[i]!, addrs[i]!);
      for (let round = 0; round < 20; round++) {
        for (const to of ids) {
          const vote = emptyMessage('MsgVote', 'n1', to);
          vote.term = term + 100;
          vote.index = 1000;
          vote.logTerm = term + 100;
          intruder.transport.send(vote);
          const app = emptyMessage('MsgApp', 'n1', to);
          app.term = term + 100;
          intruder.transport.send(app);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(nodes.map((n) => n.core.term), ids.map(() => term), 'no member moved to the intruder\'s term');
      assert.equal(leader.core.role, 'leader');
      assert.ok(nodes.reduce((n, x) => n + x.transport.stats.rejected, 0) >= 3, 'every member refused the intruder');
    } finally {
      await Promise.all([...nodes.map((n) => n.stop()), intruder.stop()]);
    }
  });
});

describe('application messages on the peer transport', () => {
  interface Got {
    from: NodeId;
    channel: string;
    text: string;
  }
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  /** Two members, n1 dialling n2 (n1 sends, n2 receives). */
  async function pair(opts: { maxA?: number; maxB?: number } = {}): Promise<{ a: PeerTransport; b: PeerTransport; gotB: Got[]; raftB: Message[]; stop: () => Promise<void> }> {
    const gotB: Got[] = [];
    const raftB: Message[] = [];
    const a = new PeerTransport({ id: 'n1', listen: LOCAL, secret: SECRET, onMessage: () => undefined, ...(opts.maxA !== undefined ? { maxAppMessageBytes: opts.maxA } : {}) });
    const b = new PeerTransport({
      id: 'n2',
      listen: LOCAL,
      secret: SECRET,
      onMessage: (m) => raftB.push(m),
      onAppMessage: (from, channel, payload) => gotB.push({ from, channel, text: Buffer.from(payload).toString('utf8') }),
      ...(opts.maxB !== undefined ? { maxAppMessageBytes: opts.maxB } : {}),
    });
    await a.start();
    const addrB = await b.start();
    a.setPeer('n2', addrB);
    return { a, b, gotB, raftB, stop: () => Promise.all([a.stop(), b.stop()]).then(() => undefined) };
  }
  /** Sends until one is written (the connection and its handshake take a moment). */
  async function sendWhenConnected(t: PeerTransport, to: NodeId, channel: string, payload: Uint8Array): Promise<void> {
    await until(() => t.sendApp(to, channel, payload), 3000, `a connection to ${to} that takes application messages`);
  }

  it('round-trips through the codec, and is told apart from every Raft message type', () => {
    const frame = encodeAppMessage('presence', text('{"g":1}'));
    assert.equal(frame.readUInt32LE(0), frame.length - 4);
    const body = frame.subarray(4);
    assert.deepEqual(decodeAppMessage(body), { channel: 'presence', payload: text('{"g":1}') });
    assert.throws(() => decodeMessage(body), CodecError, 'no Raft message type starts with its tag');
    assert.throws(() => decodeAppMessage(encodeMessage(sample()).subarray(4)), CodecError);
    assert.throws(() => decodeAppMessage(body.subarray(0, 5)), CodecError, 'a channel cut short');
  });

  it('reach an authenticated peer on their channel, on the connection Raft messages use, and are never queued for a peer not connected', async () => {
    const { a, gotB, raftB, stop } = await pair();
    try {
      assert.equal(a.sendApp('n9', 'presence', text('x')), false, 'no such peer');
      await sendWhenConnected(a, 'n2', 'presence', text('first'));
      a.send(heartbeat(5));
      assert.equal(a.sendApp('n2', 'other.channel:1', text('second')), true);
      await until(() => gotB.length === 2 && raftB.length === 1, 3000, 'both application messages and the heartbeat');
      assert.deepEqual(gotB, [
        { from: 'n1', channel: 'presence', text: 'first' },
        { from: 'n1', channel: 'other.channel:1', text: 'second' },
      ]);
      assert.equal(raftB[0]!.term, 5);
      assert.equal(a.stats.appSent, 2);
      assert.throws(() => a.sendApp('n2', 'bad channel', text('x')), RangeError);
      assert.throws(() => a.sendApp('n2', 'presence', new Uint8Array(64 * 1024 + 1)), RangeError, 'larger than maxAppMessageBytes');
    } finally {
      await stop();
    }
  });

  it('one larger than the receiver takes is dropped there; the connection goes on', async () => {
    const { a, b, gotB, raftB, stop } = await pair({ maxA: 4096, maxB: 100 });
    try {
      await sendWhenConnected(a, 'n2', 'presence', text('y'.repeat(101)));
      a.sendApp('n2', 'presence', text('small'));
      a.send(heartbeat(6));
      await until(() => gotB.length === 1 && raftB.length === 1, 3000, 'the small one and the heartbeat');
      assert.deepEqual(gotB.map((g) => g.text), ['small']);
      assert.equal(b.stats.appIgnored, 1);
      assert.equal(b.stats.rejected, 0);
    } finally {
      await stop();
    }
  });

  it('a connection that has not proved it holds the secret cannot inject one', async () => {
    const got: Got[] = [];
    const member = new PeerTransport({ id: 'n1', listen: LOCAL, secret: SECRET, onMessage: () => undefined, onAppMessage: (from, channel) => got.push({ from, channel, text: '' }) });
    const intruder = new PeerTransport({ id: 'n2', listen: LOCAL, secret: 'not-the-secret', onMessage: () => undefined });
    const addr = await member.start();
    await intruder.start();
    try {
      // A transport with the wrong secret: its handshake fails, so it never has a connection to send on.
      intruder.setPeer('n1', addr);
      for (let i = 0; i < 20; i++) {
        intruder.sendApp('n1', 'presence', text('forged'));
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(intruder.stats.appSent, 0);
      // Raw sockets: an application message instead of the handshake, and after a forged one.
      for (const frames of [[encodeAppMessage('presence', text('forged'))], [jsonFrame({ id: 'n2', mac: '00', nonce: '00' }), encodeAppMessage('presence', text('forged'))]]) {
        const raw = connect(addr.port, addr.host);
        raw.on('error', () => undefined);
        raw.resume();
        await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
        for (const f of frames) raw.write(f);
        await new Promise<void>((resolve) => raw.once('close', () => resolve()));
      }
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(got, [], 'nothing reached the member');
      assert.ok(member.stats.rejected >= 3, `refused ${member.stats.rejected} connections`);
    } finally {
      await Promise.all([member.stop(), intruder.stop()]);
    }
  });

  it('are not sent to a peer whose challenge does not say it reads them (an older node), which still gets Raft messages', async () => {
    const a = new PeerTransport({ id: 'n1', listen: LOCAL, secret: SECRET, onMessage: () => undefined });
    const proof = new PeerTransport({ id: 'n2', listen: LOCAL, secret: SECRET, onMessage: () => undefined }); // only for its mac()
    const frames: Buffer[] = [];
    const sockets = new Set<Socket>();
    // An older n2: the handshake as it was (no appMessages in the challenge), then it records frames.
    const old = createServer((socket) => {
      sockets.add(socket);
      const nonce = Buffer.alloc(32, 7);
      let authed = false;
      let buf = Buffer.alloc(0);
      socket.on('error', () => undefined);
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32LE(0)) {
          const body = buf.subarray(4, 4 + buf.readUInt32LE(0));
          buf = buf.subarray(4 + body.length);
          if (authed) {
            frames.push(body);
            continue;
          }
          const hello = JSON.parse(body.toString('utf8')) as { nonce: string };
          socket.write(jsonFrame({ mac: proof.mac('server', 'n2', 'n1', Buffer.from(hello.nonce, 'hex')).toString('hex') }));
          authed = true;
        }
      });
      socket.write(jsonFrame({ protocol: 'rookery-raft/1', id: 'n2', nonce: nonce.toString('hex') }));
    });
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', () => resolve()));
    await a.start();
    try {
      a.setPeer('n2', { host: '127.0.0.1', port: (old.address() as { port: number }).port });
      await until(() => {
        a.sendApp('n2', 'presence', text('x'));
        a.send(heartbeat(8));
        return frames.length > 0;
      }, 3000, 'a Raft message at the older node');
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(frames.every((f) => decodeMessage(f).type === 'MsgHeartbeat'), 'only Raft messages reached it');
      assert.equal(a.stats.appSent, 0);
      assert.ok(a.stats.appDropped > 0);
    } finally {
      for (const s of sockets) s.destroy();
      await Promise.all([a.stop(), new Promise((r) => old.close(r))]);
    }
  });
});

function heartbeat(term: number): Message {
  const m = emptyMessage('MsgHeartbeat', 'n1', 'n2');
  m.term = term;
  return m;
}

/** A core on MemoryStorage driven in real time over a PeerTransport (a test-sized runtime). */
class LiveNode {
  readonly core: RaftCore;
  readonly storage = new MemoryStorage();
  readonly transport: PeerTransport;
  private ticker: NodeJS.Timeout | undefined;
  private scheduled = false;

  constructor(
    readonly id: NodeId,
    voters: NodeId[],
    secret: string,
  ) {
    this.core = new RaftCore({ id, voters, randomInt: (n) => Math.floor(Math.random() * n), electionTick: 10 }, this.storage);
    this.transport = new PeerTransport({ id, listen: LOCAL, secret, onMessage: (m) => this.step(m) });
  }

  async start(): Promise<PeerAddress> {
    const addr = await this.transport.start();
    this.ticker = setInterval(() => {
      this.core.tick();
      this.drain();
    }, 20);
    return addr;
  }

  private step(m: Message): void {
    this.core.step(m);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.drain();
      });
    }
  }

  private drain(): void {
    while (this.core.hasReady()) {
      const rd = this.core.ready();
      if (rd.hardState) this.storage.setHardState(rd.hardState);
      this.storage.append(rd.entries);
      for (const m of rd.messages) this.transport.send(m);
      this.core.advance(rd);
    }
  }

  async stop(): Promise<void> {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    await this.transport.stop();
  }
}
