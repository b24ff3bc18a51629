import { execFileSync } from 'node:child_process';
import type { LinkFault, Network, Placement } from './network';
import { ProxyNetwork } from './proxy-net';

/**
 * The network made of Linux network namespaces: each node in a namespace of its own, joined to a
 * bridge in the harness's namespace by a veth link, with an address of its own. A cut link i→j
 * is a route in i's namespace that throws j's address away (`blackhole`: silently, as a lost
 * cable; `prohibit`: refused at once). Routing cuts packets, not connections, so TCP — which
 * needs both directions — loses the link both ways, and healing lets the connections resume
 * (their retransmissions get through); per-link TCP proxies (proxy-net.ts) are where one-way
 * cuts and reset connections exist.
 *
 * Names carry the harness's pid (`rk<pid>s<n>…`), so that what a killed harness left behind can
 * be found and removed (`cleanStaleNetworks`).
 */

export type NetworkKind = 'proxy' | 'netns';

const HTTP_PORT = 8000;
const RAFT_PORT = 7000;
const TAG = `rk${process.pid.toString(36)}`;
let schedules = 0;

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Root, Linux, and `ip` can make a namespace, a bridge and a veth pair. */
export function netnsAllowed(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = `${TAG}p`;
  try {
    ip(['netns', 'add', probe]);
    ip(['link', 'add', `${probe}b`, 'type', 'bridge']);
    ip(['link', 'add', `${probe}h`, 'type', 'veth', 'peer', 'name', `${probe}n`]);
    ip(['link', 'set', `${probe}n`, 'netns', probe]);
    return true;
  } catch {
    return false;
  } finally {
    for (const args of [['netns', 'del', probe], ['link', 'del', `${probe}b`], ['link', 'del', `${probe}h`]]) {
      try {
        ip(args);
      } catch {
        // Not made, or already gone with the namespace.
      }
    }
  }
}

/** Removes namespaces and links left by harnesses that are no longer running (or by this one, with `ours`). */
export function cleanStaleNetworks(ours = false): void {
  const owner = (name: string): number | undefined => {
    const m = /^rk([0-9a-z]+)[sp]/.exec(name);
    return m === null ? undefined : parseInt(m[1]!, 36);
  };
  const stale = (name: string): boolean => {
    const pid = owner(name);
    if (pid === undefined) return false;
    if (pid === process.pid) return ours;
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  try {
    for (const line of ip(['netns', 'list']).split('\n')) {
      const name = line.split(' ')[0] ?? '';
      if (stale(name)) ip(['netns', 'del', name]);
    }
    for (const line of ip(['-o', 'link']).split('\n')) {
      const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
      if (name !== undefined && stale(name)) ip(['link', 'del', name]);
    }
  } catch {
    // Best effort: nothing here must stop a run or its exit.
  }
}

export class NetnsNetwork implements Network {
  readonly kind = 'netns' as const;
  private readonly prefix: string;
  private readonly subnet: string;
  private readonly spaces = new Map<string, { ns: string; address: string; host: string }>();
  private readonly cuts = new Set<string>();

  constructor() {
    const n = schedules++;
    this.prefix = `${TAG}s${n.toString(36)}`;
    this.subnet = `10.${200 + (process.pid % 50)}.${n % 256}`;
    ip(['link', 'add', `${this.prefix}b`, 'type', 'bridge']);
    ip(['addr', 'add', `${this.subnet}.1/24`, 'dev', `${this.prefix}b`]);
    ip(['link', 'set', `${this.prefix}b`, 'up']);
  }

  async place(node: string): Promise<Placement> {
    const k = this.spaces.size + 1;
    const ns = `${this.prefix}-${node}`;
    const host = `${this.prefix}h${k}`;
    const inner = `${this.prefix}n${k}`;
    const address = `${this.subnet}.${10 + k}`;
    ip(['netns', 'add', ns]);
    ip(['link', 'add', host, 'type', 'veth', 'peer', 'name', inner]);
    ip(['link', 'set', inner, 'netns', ns]);
    ip(['link', 'set', host, 'master', `${this.prefix}b`]);
    ip(['link', 'set', host, 'up']);
    ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', inner]);
    ip(['-n', ns, 'link', 'set', inner, 'up']);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    this.spaces.set(node, { ns, address, host });
    return { host: address, httpPort: HTTP_PORT, raftPort: RAFT_PORT, raft: { host: address, port: RAFT_PORT }, prefix: ['ip', 'netns', 'exec', ns] };
  }

  async cut(from: string, to: string, fault: Exclude<LinkFault, 'open'>): Promise<void> {
    const a = this.spaces.get(from);
    const b = this.spaces.get(to);
    if (a === undefined || b === undefined) return;
    ip(['-n', a.ns, 'route', 'replace', fault === 'refuse' ? 'prohibit' : 'blackhole', `${b.address}/32`]);
    this.cuts.add(`${a.ns} ${b.address}`);
  }

  async heal(): Promise<void> {
    for (const cut of this.cuts) {
      const [ns, address] = cut.split(' ') as [string, string];
      try {
        ip(['-n', ns, 'route', 'del', `${address}/32`]);
      } catch {
        // Its namespace is gone already.
      }
    }
    this.cuts.clear();
  }

  async close(): Promise<void> {
    for (const { ns, host } of this.spaces.values()) {
      for (const args of [['netns', 'del', ns], ['link', 'del', host]]) {
        try {
          ip(args);
        } catch {
          // Gone with its namespace.
        }
      }
    }
    this.spaces.clear();
    try {
      ip(['link', 'del', `${this.prefix}b`]);
    } catch {
      // Already gone.
    }
  }
}

/** The network for one schedule. */
export async function openNetwork(kind: NetworkKind): Promise<Network> {
  return kind === 'netns' ? new NetnsNetwork() : new ProxyNetwork();
}
