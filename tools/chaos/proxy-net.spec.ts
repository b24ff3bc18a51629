import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { emptyMessage, PeerTransport, type Message } from '@rookery/raft';
import { ProxyNetwork } from './proxy-net';

/**
 * The partitions the nemesis makes must be real: three Raft transports (the nodes' own code)
 * talking through the harness's fronts, each link i→j cut on its own — refused, or held in a
 * black hole — and healed by resetting or by letting what piled up through.
 */

const SECRET = 'proxy-net-spec-secret';
const IDS = ['n1', 'n2', 'n3'] as const;

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('per-link proxies between real Raft transports', () => {
  const net = new ProxyNetwork();
  const got = new Map<string, Message[]>(IDS.map((id) => [id, []]));
  const transports = new Map<string, PeerTransport>();
  let term = 0;

  /** Sends a heartbeat from → to with a fresh term, so each can be told apart; answers that term. */
  const send = (from: string, to: string): number => {
    const m = emptyMessage('MsgHeartbeat', from, to);
    m.term = ++term;
    transports.get(from)!.send(m);
    return m.term;
  };
  const arrived = (to: string, t: number): boolean => got.get(to)!.some((m) => m.term === t);
  /** Sends from → to until one gets through: one written just as its connection is reset is lost, as Raft expects of a network. */
  const getsThrough = async (from: string, to: string): Promise<void> => {
    const sent: number[] = [];
    await until(() => {
      sent.push(send(from, to));
      return sent.some((t) => arrived(to, t));
    }, 5000, `${from} -> ${to}`);
  };

  before(async () => {
    const places = new Map(await Promise.all(IDS.map(async (id) => [id, await net.place(id)] as const)));
    for (const id of IDS) {
      const place = places.get(id)!;
      const t = new PeerTransport({ id, listen: { host: place.host, port: place.raftPort }, advertise: place.raft, secret: SECRET, onMessage: (m) => got.get(id)!.push(m), reconnectMinMs: 10, reconnectMaxMs: 100 });
      await t.start();
      transports.set(id, t);
    }
    for (const a of IDS) for (const b of IDS) if (a !== b) transports.get(a)!.setPeer(b, places.get(b)!.raft);
  });

  after(async () => {
    for (const t of transports.values()) await t.stop();
    await net.close();
  });

  it('passes every link when nothing is cut', async () => {
    const sent = IDS.flatMap((a) => IDS.filter((b) => b !== a).map((b) => [b, send(a, b)] as const));
    await until(() => sent.every(([to, t]) => arrived(to, t)), 5000, 'every message');
  });

  it('a refused link loses its messages one way only; healed, it carries them again', async () => {
    await net.cut('n1', 'n2', 'refuse');
    const lost = send('n1', 'n2');
    const back = send('n2', 'n1');
    const aside = send('n1', 'n3');
    await until(() => arrived('n1', back) && arrived('n3', aside), 5000, 'the links not cut');
    await sleep(300);
    assert.equal(arrived('n2', lost), false, 'n1 -> n2 was cut');
    await net.heal('reset');
    await getsThrough('n1', 'n2');
  });

  it('a black hole holds its messages; healed with resume, they arrive late, in order', async () => {
    await net.cut('n3', 'n1', 'blackhole');
    const held = [send('n3', 'n1'), send('n3', 'n1')];
    await sleep(300);
    assert.equal(held.some((t) => arrived('n1', t)), false, 'n3 -> n1 is held');
    await net.heal('resume');
    await until(() => held.every((t) => arrived('n1', t)), 5000, 'the held messages');
    const terms = got.get('n1')!.filter((m) => m.from === 'n3').map((m) => m.term);
    assert.ok(terms.indexOf(held[0]!) < terms.indexOf(held[1]!), 'in order');
  });

  it('a black hole healed with reset drops what it held; the link then works again', async () => {
    await net.cut('n2', 'n3', 'blackhole');
    const dropped = send('n2', 'n3');
    await sleep(200);
    await net.heal('reset');
    await getsThrough('n2', 'n3');
    assert.equal(arrived('n3', dropped), false, 'the held message went with its connection');
  });
});
