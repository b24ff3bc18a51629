import { parseAddress, type NodeId, type PeerAddress } from '@rookery/raft';
import { LOG_VERSION } from './chess/entry';
import { TrustedProxies } from './http/client-ip';
import { DEFAULT_HEAP_GROWTH_PERCENT } from './heap';
import { defaultWriteThreads } from './gateway/write-threads';

/**
 * The node's configuration, from flags and environment variables (flags win), checked at start:
 * every problem is listed at once, each naming the flag and the variable.
 */
export interface ServerConfig {
  nodeId: NodeId;
  http: PeerAddress;
  raft: PeerAddress;
  advertise: PeerAddress | undefined;
  /** Every founding member's Raft address, this node's included. */
  peers: Map<NodeId, PeerAddress>;
  /** A member's HTTP URL to ask for admission, instead of founding a cluster. */
  join: string | undefined;
  dataDir: string;
  secret: string;
  adminToken: string | undefined;
  tickMs: number;
  /** A command not committed and applied within this long is answered ERR_TIMEOUT. */
  proposalTimeoutMs: number;
  /** Static files served at / (the browser client), if any. */
  clientDir: string | undefined;
  /**
   * The public base URLs (origins, e.g. `http://127.0.0.1:8001`) of the nodes a browser client
   * may reconnect to directly, in order; empty behind a load balancer. Their origins are granted
   * CORS for Socket.IO's long-polling.
   */
  clientNodes: string[];
  /** Socket.IO play commands allowed per connection per 20 s (lichess allows about 100). */
  moveRateLimit: number;
  /** Other commands allowed per connection per 20 s. */
  commandRateLimit: number;
  /** Commands allowed per client IP per 20 s, over all its connections. */
  ipRateLimit: number;
  /** Proxies (addresses, subnets, `loopback`) whose X-Forwarded-For is believed: the client IP is then the browser's, not HAProxy's. */
  trustProxy: string[];
  /** Connections allowed at once per client IP. */
  maxConnectionsPerIp: number;
  /** How long an idle kept-alive HTTP connection stays open: longer than a load balancer keeps its idle connections to the node. */
  httpKeepAliveMs: number;
  /** How long clients get between `server:draining` and being disconnected. */
  drainGraceMs: number;
  /** The whole drain (slot, clients, leadership, in-flight proposals, stop) must end within this; then the process exits 1. */
  drainDeadlineMs: number;
  /** Where HAProxy's agent-check asks this node how it stands (ready, drain, maint); none when unset. */
  agentPort: number | undefined;
  /** The Redis that holds the restart slots (redis-semaphore); none when unset. */
  redisUrl: string | undefined;
  /** How long a restart slot stays taken without being renewed (a node that never came back). */
  restartSlotTtlMs: number;
  /** The cluster's wanted number of voters, replicated; 0: as many as founded it. */
  desiredMembers: number;
  /** The newest log version this server says it reads: the build's own (LOG_VERSION), or lower to hold the cluster back. */
  logVersion: number;
  /** The leader removes a voter unreachable for this long (never below a quorum of the desired size); 0: never. */
  removeUnreachableAfterMs: number;
  /** A snapshot of the games every this many applied entries. */
  snapshotEvery: number;
  /** …and once the entries since the last snapshot hold this percentage of its bytes (0: by count alone). */
  snapshotLogPercent: number;
  /** Entries kept in the log behind a snapshot (a follower that far behind catches up without one). */
  snapshotTrailingEntries: number;
  /** How far V8 lets the heap grow past what a full collection left before the next one, in percent (heap.ts); 0: V8's own choice. */
  heapGrowthPercent: number;
  /** Threads that write a popular game's broadcasts beside the event loop (WriteThreads); 0: the event loop writes them all. */
  fanoutThreads: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** flag name, environment variable, description. The deploy kit (docker-compose.yml) uses these names. */
export const CONFIG_OPTIONS = [
  ['id', 'NODE_ID', 'this node id, e.g. n1'],
  ['http', 'HTTP_ADDR', 'HTTP and Socket.IO address host:port'],
  ['raft', 'RAFT_ADDR', 'Raft peer address host:port'],
  ['advertise', 'RAFT_ADVERTISE', 'the Raft address peers should dial, when --raft is a wildcard'],
  ['peers', 'RAFT_PEERS', 'founding members id@host:port,...'],
  ['join', 'RAFT_JOIN', "a member's HTTP URL, to join a running cluster"],
  ['data', 'DATA_DIR', 'the Raft log and snapshots directory'],
  ['secret', 'RAFT_SECRET', 'the cluster secret peers prove they hold'],
  ['admin-token', 'ADMIN_TOKEN', 'the bearer token of the admin API (disabled when unset)'],
  ['tick-ms', 'TICK_MS', 'Raft tick length in ms: a heartbeat every tick, an election after 10–20 ticks without one (default 50)'],
  ['proposal-timeout-ms', 'PROPOSAL_TIMEOUT_MS', 'how long a command may take to commit'],
  ['client-dir', 'CLIENT_DIR', 'static files to serve at /'],
  ['client-nodes', 'CLIENT_NODES', 'the nodes a browser client may reconnect to: http://host:port,...'],
  ['move-rate', 'MOVE_RATE_LIMIT', 'moves per connection per 20 s'],
  ['command-rate', 'COMMAND_RATE_LIMIT', 'other commands per connection per 20 s'],
  ['ip-rate', 'IP_RATE_LIMIT', 'commands per client IP per 20 s'],
  ['trust-proxy', 'TRUST_PROXY', "proxies whose X-Forwarded-For is believed: addresses, subnets or loopback, comma-separated"],
  ['max-connections-per-ip', 'MAX_CONNECTIONS_PER_IP', 'connections at once per client IP'],
  ['http-keep-alive-ms', 'HTTP_KEEP_ALIVE_MS', "how long an idle kept-alive HTTP connection stays open: above the load balancer's idle time for its connections to the node"],
  ['drain-grace-ms', 'DRAIN_GRACE_MS', 'time clients get to move before a draining node closes them'],
  ['drain-deadline-ms', 'DRAIN_DEADLINE_MS', 'time the whole drain may take before the process exits anyway'],
  ['agent-port', 'AGENT_PORT', "port of the HAProxy agent-check (answers ready, drain or maint)"],
  ['redis-url', 'REDIS_URL', 'redis://host:port of the restart slots (redis-semaphore)'],
  ['restart-slot-ttl-ms', 'RESTART_SLOT_TTL_MS', 'how long a restart slot is held without renewal'],
  ['desired-members', 'DESIRED_MEMBERS', 'the number of voters the cluster keeps (0: as founded)'],
  ['log-version', 'LOG_VERSION', `the newest log version this server says it reads (default and most: this build's, ${LOG_VERSION}); lower holds the cluster's log at it, keeping a downgrade possible`],
  ['remove-unreachable-after-ms', 'REMOVE_UNREACHABLE_AFTER_MS', 'remove a voter unreachable this long (0: never)'],
  ['snapshot-every', 'SNAPSHOT_EVERY', 'take a snapshot every this many applied entries'],
  ['snapshot-log-percent', 'SNAPSHOT_LOG_PERCENT', "…and once those entries hold this percentage of the last snapshot's bytes (0: by count alone)"],
  ['snapshot-trailing-entries', 'SNAPSHOT_TRAILING_ENTRIES', 'log entries kept behind a snapshot'],
  ['heap-growth-percent', 'HEAP_GROWTH_PERCENT', 'grow the JavaScript heap by this percentage of what a full garbage collection left before the next (0: V8 decides; see heap.ts)'],
  ['fanout-threads', 'FANOUT_THREADS', "threads that write a game's broadcasts to its spectators beside the event loop, 0 to 8 (default: 1 on a machine with 2 or more CPUs, else 0)"],
  ['log-level', 'LOG_LEVEL', 'debug, info, warn or error'],
] as const;
const OPTIONS = CONFIG_OPTIONS;

type Key = (typeof OPTIONS)[number][0];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const problems: string[] = [];
  const raw = new Map<Key, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      problems.push(`unexpected argument ${a}`);
      continue;
    }
    // Only the first '=' separates: a value may contain more (a base64 secret).
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const inline = eq < 0 ? undefined : a.slice(eq + 1);
    const opt = OPTIONS.find((o) => o[0] === name);
    if (opt === undefined) {
      problems.push(`unknown flag --${name}`);
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined || v === '') problems.push(`--${name} needs a value`);
    else raw.set(opt[0], v);
  }
  for (const [flag, variable] of OPTIONS) if (!raw.has(flag) && env[variable] !== undefined && env[variable] !== '') raw.set(flag, env[variable]!);
  const where = (k: Key): string => {
    const o = OPTIONS.find((x) => x[0] === k)!;
    return `--${o[0]} / ${o[1]} (${o[2]})`;
  };
  const required = (k: Key): string => {
    const v = raw.get(k);
    if (v === undefined) problems.push(`${where(k)} is required`);
    return v ?? '';
  };
  const addr = (k: Key, v: string | undefined): PeerAddress | undefined => {
    if (v === undefined) return undefined;
    const a = parseAddress(v);
    if (a === undefined) problems.push(`${where(k)}: ${JSON.stringify(v)} is not host:port`);
    return a;
  };
  const int = (k: Key, dflt: number, min: number, max: number): number => {
    const v = raw.get(k);
    if (v === undefined) return dflt;
    const n = /^-?\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`${where(k)}: ${JSON.stringify(v)} is not an integer from ${min} to ${max}`);
    return n;
  };
  const nodeId = required('id');
  if (nodeId !== '' && !/^[A-Za-z0-9_-]{1,32}$/.test(nodeId)) problems.push(`${where('id')}: ${JSON.stringify(nodeId)} must be 1-32 letters, digits, _ or -`);
  const http = addr('http', required('http'));
  const raft = addr('raft', required('raft'));
  const secret = required('secret');
  if (secret !== '' && secret.length < 8) problems.push(`${where('secret')} must be at least 8 characters`);
  const join = raw.get('join');
  if (join !== undefined && !/^https?:\/\/[^/]+/.test(join)) problems.push(`${where('join')}: ${JSON.stringify(join)} is not an http(s) URL`);
  const peers = new Map<NodeId, PeerAddress>();
  for (const p of (raw.get('peers') ?? (raft !== undefined ? `${nodeId}@${raw.get('advertise') ?? raw.get('raft')}` : '')).split(',').filter(Boolean)) {
    const [pid, a] = p.split('@');
    const pa = addr('peers', a);
    if (!pid || pa === undefined) problems.push(`${where('peers')}: ${JSON.stringify(p)} is not id@host:port`);
    else peers.set(pid, pa);
  }
  if (join !== undefined && raw.get('admin-token') === undefined) problems.push(`${where('join')} needs ${where('admin-token')}: joining asks a member's admin API`);
  const clientNodes: string[] = [];
  for (const u of (raw.get('client-nodes') ?? '').split(',').filter(Boolean)) {
    const origin = baseUrl(u);
    if (origin === undefined) problems.push(`${where('client-nodes')}: ${JSON.stringify(u)} is not a base URL like http://host:port (http or https, no path, query or credentials)`);
    else if (clientNodes.includes(origin)) problems.push(`${where('client-nodes')}: ${origin} is listed twice`);
    else clientNodes.push(origin);
  }
  if (nodeId !== '' && peers.size > 0 && !peers.has(nodeId)) problems.push(`${where('peers')} must include this node (${nodeId})`);
  const trustProxy = (raw.get('trust-proxy') ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  for (const t of trustProxy) if (!TrustedProxies.valid(t)) problems.push(`${where('trust-proxy')}: ${JSON.stringify(t)} is not an address, a subnet (10.0.0.0/8) or loopback`);
  const redisUrl = raw.get('redis-url');
  if (redisUrl !== undefined && !/^rediss?:\/\/[^/\s]+(\/\d+)?$/.test(redisUrl)) problems.push(`${where('redis-url')}: ${JSON.stringify(redisUrl)} is not redis://host:port`);
  const logLevel = raw.get('log-level') ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) problems.push(`${where('log-level')}: ${JSON.stringify(logLevel)}`);
  const config: ServerConfig = {
    nodeId,
    http: http ?? { host: '', port: 0 },
    raft: raft ?? { host: '', port: 0 },
    advertise: addr('advertise', raw.get('advertise')),
    peers,
    join,
    dataDir: required('data'),
    secret,
    adminToken: raw.get('admin-token'),
    tickMs: int('tick-ms', 50, 1, 10_000),
    proposalTimeoutMs: int('proposal-timeout-ms', 5000, 100, 600_000),
    clientDir: raw.get('client-dir'),
    clientNodes,
    moveRateLimit: int('move-rate', 100, 1, 1_000_000),
    commandRateLimit: int('command-rate', 60, 1, 1_000_000),
    ipRateLimit: int('ip-rate', 1000, 1, 10_000_000),
    trustProxy,
    maxConnectionsPerIp: int('max-connections-per-ip', 50, 1, 1_000_000),
    httpKeepAliveMs: int('http-keep-alive-ms', 65_000, 1000, 3_600_000),
    drainGraceMs: int('drain-grace-ms', 5000, 0, 600_000),
    drainDeadlineMs: int('drain-deadline-ms', 30_000, 1000, 3_600_000),
    agentPort: raw.has('agent-port') ? int('agent-port', 0, 0, 65_535) : undefined,
    redisUrl,
    restartSlotTtlMs: int('restart-slot-ttl-ms', 120_000, 1000, 86_400_000),
    desiredMembers: int('desired-members', 0, 0, 99),
    logVersion: int('log-version', LOG_VERSION, 1, LOG_VERSION),
    removeUnreachableAfterMs: int('remove-unreachable-after-ms', 0, 0, 86_400_000),
    snapshotEvery: int('snapshot-every', 100_000, 1, 1_000_000_000),
    snapshotLogPercent: int('snapshot-log-percent', 100, 0, 100_000),
    snapshotTrailingEntries: int('snapshot-trailing-entries', 5000, 0, 1_000_000_000),
    heapGrowthPercent: int('heap-growth-percent', DEFAULT_HEAP_GROWTH_PERCENT, 0, 1000),
    fanoutThreads: int('fanout-threads', defaultWriteThreads(), 0, 8),
    logLevel: logLevel as ServerConfig['logLevel'],
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** `http(s)://host[:port]` with at most a trailing '/' as its origin (what a browser sends as Origin), or undefined. */
function baseUrl(s: string): string | undefined {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return undefined;
  }
  const bare = u.pathname === '/' && u.search === '' && u.hash === '' && u.username === '' && u.password === '';
  return (u.protocol === 'http:' || u.protocol === 'https:') && bare && /^https?:\/\/[^/?#]+\/?$/i.test(s) ? u.origin : undefined;
}
