import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { NodeId } from '../core/types';
import { parseAddress, type PeerAddress } from '../transport/transport';
import { RaftNode, RaftRequestError, type StateMachine } from './raft-node';
import { joinUntilVoter, joinerOf, refusedAsRemoved } from './join';

/**
 * A RaftNode with a key-value state machine behind a small HTTP API: the process the
 * multi-process tests and `bench:raft` start (the chess server is the real application).
 *
 *   kv-node --id n1 --data DIR --raft 127.0.0.1:7001 --http 127.0.0.1:8001
 *           --peers n1@127.0.0.1:7001,n2@127.0.0.1:7002,n3@127.0.0.1:7003 [--tick-ms 100]
 *   kv-node --id n4 ... --join http://127.0.0.1:8001   (any member's HTTP address)
 *   --leave-on-exit: on SIGTERM, ask the cluster to remove this server before stopping
 *   --advertise HOST:PORT: the raft address peers should use (when --raft is a wildcard)
 *   --desired N: the desired voter count a new cluster starts with (default: as many as found it)
 *   --remove-unreachable-after-ms MS: the leader removes a member unreachable this long (default: never)
 *   --log-version N: the newest log version this server says it reads (default 1); see RaftNodeOptions.logVersion
 *   RAFT_SECRET must be set; RAFT_PEERS may stand in for --peers. Prints `kv-node <id> ready raft=<port> http=<port>` when listening, and `kv-node <id> fatal: <why>` before exiting 3 if its node stops for good.
 *
 *   POST /put {"key","value"}  -> {"index"}  once applied (linearizable write)
 *   GET  /get?key=K            -> {"value"}  after a ReadIndex round (linearizable read)
 *   GET  /status               -> the node's status
 *   POST /join {"id","raft"[,"incarnation","stint","logVersion"]} -> asks the cluster to add a server (learner,
 *                                 then voter); 409 ERR_MEMBER_REMOVED for an incarnation removed by
 *                                 /leave, ERR_JOIN_STALE for a stint that has left since
 *   POST /leave {"id"}         -> an operator's removal of a server
 *   POST /desired {"count"}    -> sets the desired voter count (400 unless an integer >= 1)
 */
class KvStore implements StateMachine<{ index: number }> {
  private map = new Map<string, string>();

  apply(command: Uint8Array, entry: { index: number }): { index: number } {
    const { key, value } = JSON.parse(Buffer.from(command).toString('utf8')) as { key: string; value: string };
    this.map.set(key, value);
    return { index: entry.index };
  }
  get(key: string): string | undefined {
    return this.map.get(key);
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify([...this.map]));
  }
  restore(data: Uint8Array): void {
    this.map = new Map(JSON.parse(Buffer.from(data).toString('utf8')) as [string, string][]);
  }
}

/** The request body, read with plain events (cheaper than async iteration on a hot path). */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function address(s: string): PeerAddress {
  const a = parseAddress(s);
  if (a === undefined) throw new Error(`kv-node: ${JSON.stringify(s)} is not host:port`);
  return a;
}

async function main(): Promise<void> {
  const id = arg('id');
  const dataDir = arg('data');
  const raft = arg('raft');
  const http = arg('http');
  const secret = process.env.RAFT_SECRET;
  if (!id || !dataDir || !raft || !http || !secret) {
    process.stderr.write('kv-node: --id, --data, --raft, --http and RAFT_SECRET are required\n');
    process.exit(2);
  }
  const peers = new Map<NodeId, PeerAddress>();
  for (const p of (arg('peers') ?? process.env.RAFT_PEERS ?? `${id}@${raft}`).split(',')) {
    const [pid, addr] = p.split('@');
    peers.set(pid!, address(addr!));
  }
  const store = new KvStore();
  const verbose = process.env.KV_NODE_VERBOSE === '1';
  const log = (line: string): void => {
    if (verbose) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  };
  const node = new RaftNode({
    id,
    dataDir,
    listen: address(raft),
    ...(arg('advertise') !== undefined ? { advertise: address(arg('advertise')!) } : {}),
    secret,
    peers,
    join: arg('join') !== undefined,
    stateMachine: store,
    tickMs: Number(arg('tick-ms') ?? 100),
    desiredMembers: Number(arg('desired') ?? 0),
    removeUnreachableAfterMs: Number(arg('remove-unreachable-after-ms') ?? 0),
    persistMode: (arg('persist') ?? 'sync') as 'auto' | 'sync' | 'async',
    logVersion: Number(arg('log-version') ?? 1),
    logger: { debug: () => undefined, info: log, warn: log },
  });
  // A node that cannot go on (its disk failed, or its cluster's log outgrew it) says why and exits.
  const fatal = (e: unknown): never => {
    process.stdout.write(`kv-node ${id} fatal: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(3);
  };
  node.once('fatal', fatal);
  const raftAddr = await node.start().catch(fatal);

  const server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method === 'GET' && url.pathname === '/status') {
        const s = node.status();
        return reply(200, { ...s, progress: Object.fromEntries(s.progress) });
      }
      if (req.method === 'POST' && url.pathname === '/put') {
        const body = await readBody(req);
        JSON.parse(body.toString('utf8'));
        return reply(200, await node.propose(body));
      }
      if (req.method === 'GET' && url.pathname === '/get') {
        await node.readIndex();
        return reply(200, { value: store.get(url.searchParams.get('key') ?? '') ?? null });
      }
      if (req.method === 'POST' && (url.pathname === '/join' || url.pathname === '/leave')) {
        const body = JSON.parse((await readBody(req)).toString('utf8')) as { id: string; raft?: string; incarnation?: unknown; stint?: unknown; logVersion?: unknown };
        if (url.pathname === '/join') {
          const joiner = joinerOf(body.incarnation, body.stint, body.logVersion);
          if (joiner instanceof Error) throw joiner;
          await node.requestJoin(body.id, address(body.raft ?? ''), joiner);
        } else await node.removeMember(body.id);
        // `index`: this member has applied the request by then (a joiner waits to have applied as far).
        return reply(200, { ok: true, index: node.status().appliedIndex });
      }
      if (req.method === 'POST' && url.pathname === '/desired') {
        const { count } = JSON.parse((await readBody(req)).toString('utf8')) as { count: number };
        await node.setDesiredMembers(count);
        return reply(200, { ok: true });
      }
      if (req.method === 'POST' && url.pathname === '/conf') {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const { type, node: member, address: addr } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; node: string; address?: string };
        if (addr !== undefined) node.setPeer(member, address(addr));
        node.proposeConfChange({ type: type as never, node: member });
        return reply(200, { ok: true });
      }
      return reply(404, { error: { code: 'ERR_NOT_FOUND', message: `${req.method} ${url.pathname}` } });
    } catch (e) {
      if (e instanceof RaftRequestError) return reply(e.code === 'ERR_INVALID_DESIRED_MEMBERS' ? 400 : e.code === 'ERR_JOIN_REFUSED' || e.code === 'ERR_MEMBER_REMOVED' || e.code === 'ERR_JOIN_STALE' || e.code === 'ERR_LOG_VERSION' ? 409 : 503, { error: { code: e.code, message: e.message, leader: e.leader } });
      return reply(400, { error: { code: 'ERR_BAD_REQUEST', message: e instanceof Error ? e.message : String(e) } });
    }
  }
  const httpAddr = address(http);
  await new Promise<void>((resolve) => server.listen(httpAddr.port, httpAddr.host, () => resolve()));
  const port = (server.address() as { port: number }).port;
  process.stdout.write(`kv-node ${id} ready raft=${raftAddr.port} http=${port}\n`);

  // A joining server asks a member to take it in (any member will do: the request is a log
  // entry, forwarded to the leader like any proposal), until its own log shows it a voter.
  const joinUrl = arg('join');
  let stopping = false;
  if (joinUrl !== undefined) {
    const advertised = arg('advertise') ?? `${raftAddr.host}:${raftAddr.port}`;
    void joinUntilVoter({
      id,
      ask: async () => {
        const res = await fetch(`${joinUrl}/join`, { method: 'POST', body: JSON.stringify({ id, raft: advertised, ...node.joiner }), signal: AbortSignal.timeout(10_000) });
        if (res.ok) return Number(((await res.json()) as { index?: number }).index ?? 0);
        const text = await res.text();
        log(`join via ${joinUrl}: ${res.status} ${text}`);
        return refusedAsRemoved(text);
      },
      node,
      stopped: () => stopping,
      log,
    })
      .then((voter) => voter && process.stdout.write(`kv-node ${id} joined\n`))
      .catch((e: unknown) => log(`joining failed: ${String(e)}`));
  }

  // A clean shutdown with --leave-on-exit asks the cluster to remove this server first (a
  // planned departure, not a failure the others must tolerate).
  const leaveOnExit = process.argv.includes('--leave-on-exit');
  const shutdown = async (): Promise<void> => {
    stopping = true;
    server.close();
    if (leaveOnExit) await node.requestLeave().catch((e: unknown) => log(`leave on exit failed: ${String(e)}`));
    await node.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

void main();
