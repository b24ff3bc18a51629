import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { PeerAddress } from '@rookery/raft';
import type { LinkFault, Network, Placement } from './network';

/**
 * The network between the nodes' Raft transports, made of TCP proxies the harness controls: each
 * node listens on a loopback port of its own and advertises a front (a proxy) instead, so every
 * peer dials the front. A node sends to a peer on the connection it dialled (the transport's
 * design), so the front sees the link i→j as the connections node i opens to it; it learns i from
 * the first frame of the handshake (the JSON `{ id, mac, … }` a dialler sends in the clear — the
 * HMAC proves it, the proxy only reads it) and then relays bytes untouched.
 *
 * A link can be open, refused (its connections closed and new ones dropped once the dialler names
 * itself: the dialler sees resets and reconnects with backoff) or a black hole (its connections
 * stop being read: bytes pile up in the kernel and in the transport's bounded queue, as in a
 * silent partition).
 */

interface Relay {
  /** The dialling node, once its handshake named it. */
  from: string | undefined;
  client: Socket;
  upstream: Socket;
  /** Bytes from the dialler not yet passed on (its handshake, while the link is held). */
  pending: Buffer;
  held: boolean;
}

class Front {
  readonly relays = new Set<Relay>();
  port = 0;
  private readonly server: Server;

  constructor(
    readonly node: string,
    private readonly target: PeerAddress,
    private readonly fault: (from: string, to: string) => LinkFault,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as { port: number }).port;
  }

  private accept(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    const relay: Relay = { from: undefined, client, upstream, pending: Buffer.alloc(0), held: false };
    this.relays.add(relay);
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
        this.relays.delete(relay);
      });
    }
    // The node's challenge goes out at once; the dialler's answer names it.
    upstream.pipe(client);
    const sniff = (chunk: Buffer): void => {
      relay.pending = Buffer.concat([relay.pending, chunk]);
      const p = relay.pending;
      if (p.length < 4 || p.length < 4 + p.readUInt32LE(0)) {
        if (p.length > 8192) client.destroy(); // not a Raft transport handshake
        return;
      }
      client.off('data', sniff);
      client.pause();
      relay.from = dialler(p.subarray(4, 4 + p.readUInt32LE(0))) ?? '?';
      const fault = this.fault(relay.from, this.node);
      if (fault === 'refuse') this.close1(relay);
      else if (fault === 'blackhole') this.hold(relay);
      else this.flow(relay, false);
    };
    client.on('data', sniff);
  }

  /** Applies a change of the link's state to one of its connections. */
  enforce(relay: Relay, release: 'reset' | 'resume' = 'reset'): void {
    if (relay.from === undefined) return; // decided once the handshake names the dialler
    const fault = this.fault(relay.from, this.node);
    if (fault === 'refuse') this.close1(relay);
    else if (fault === 'blackhole') this.hold(relay);
    else if (relay.held && release === 'reset') this.close1(relay);
    else if (relay.held) this.flow(relay, true); // what piled up is delivered late, in order
  }

  private flow(relay: Relay, wasHeld: boolean): void {
    relay.held = false;
    if (relay.pending.length > 0) relay.upstream.write(relay.pending);
    relay.pending = Buffer.alloc(0);
    relay.client.pipe(relay.upstream);
    if (wasHeld) relay.upstream.pipe(relay.client);
  }

  /** Stops reading both ways: bytes pile up in the kernel's buffers and the transport's queue. */
  private hold(relay: Relay): void {
    if (relay.held) return;
    relay.held = true;
    relay.client.unpipe(relay.upstream);
    relay.upstream.unpipe(relay.client);
    relay.client.pause();
    relay.upstream.pause();
  }

  private close1(relay: Relay): void {
    relay.client.destroy();
    relay.upstream.destroy();
  }

  async close(): Promise<void> {
    for (const r of this.relays) this.close1(r);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function dialler(frame: Buffer): string | undefined {
  try {
    const hello = JSON.parse(frame.toString('utf8')) as { id?: unknown };
    return typeof hello.id === 'string' ? hello.id : undefined;
  } catch {
    return undefined;
  }
}

export class ProxyNetwork implements Network {
  readonly kind = 'proxy' as const;
  private readonly fronts = new Map<string, Front>();
  private readonly faults = new Map<string, LinkFault>();

  /** The node listens on loopback ports of its own; its peers dial its front. */
  async place(node: string): Promise<Placement> {
    const host = '127.0.0.1';
    const httpPort = await stablePort();
    const raftPort = await stablePort();
    const front = new Front(node, { host, port: raftPort }, (from, to) => this.faults.get(`${from}>${to}`) ?? 'open');
    await front.listen();
    this.fronts.set(node, front);
    return { host, httpPort, raftPort, raft: { host, port: front.port }, prefix: [] };
  }

  async cut(from: string, to: string, fault: Exclude<LinkFault, 'open'>): Promise<void> {
    this.faults.set(`${from}>${to}`, fault);
    const front = this.fronts.get(to);
    for (const r of front?.relays ?? []) if (r.from === from) front!.enforce(r);
  }

  async heal(release: 'reset' | 'resume'): Promise<void> {
    this.faults.clear();
    for (const front of this.fronts.values()) for (const r of [...front.relays]) front.enforce(r, release);
  }

  async close(): Promise<void> {
    await Promise.all([...this.fronts.values()].map((f) => f.close()));
    this.fronts.clear();
  }
}

/**
 * A free loopback port below the kernel's ephemeral range. A killed node is started again on its
 * ports seconds later; an ephemeral port could meanwhile be the local end of some client's
 * connection, and the restart would fail to bind.
 */
async function stablePort(): Promise<number> {
  let top = 32768;
  try {
    top = Math.min(top, Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || top);
  } catch {
    // Not Linux: Linux's default range begins at 32768.
  }
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * (top - 10_000));
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}
