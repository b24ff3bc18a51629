import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Network, Placement } from './network';

/**
 * The schedule's Rookery node processes: started as operators start them (`main.ts` under tsx,
 * flags on the command line), killed with SIGKILL, paused with SIGSTOP, and started again with
 * the very same command line and data. Every process started is tracked until it has exited.
 */

export const REPO = join(__dirname, '..', '..');
const MAIN = join(REPO, 'apps', 'server', 'src', 'main.ts');
const OUTPUT_KEPT = 64 * 1024;

export interface NodeHandle {
  readonly id: string;
  readonly place: Placement;
  /** The base URL of its HTTP API and Socket.IO. */
  readonly url: string;
  readonly dataDir: string;
  /** Its command line after `node --import tsx main.ts` (the same on every start). */
  args: string[];
  proc: ChildProcess | undefined;
  /** 0 when not running. */
  pid: number;
  paused: boolean;
  /** Taken out of the cluster: never started again. */
  removed: boolean;
  /** The last 64 KiB it wrote, for a failure's report. */
  output: string;
  starts: number;
}

export interface NodeOptions {
  secret: string;
  adminToken: string;
  /** Flags every node gets (tick, timeouts, limits raised for one client address, snapshots). */
  flags: string[];
}

export class NodeSet {
  readonly nodes: NodeHandle[] = [];
  /** Exits the harness did not cause: a crash is a finding. */
  readonly crashes: string[] = [];
  private readonly live = new Set<ChildProcess>();
  private readonly expected = new WeakSet<ChildProcess>();

  constructor(
    private readonly root: string,
    private readonly network: Network,
    private readonly options: NodeOptions,
  ) {}

  /** Places the founding members (not started): each knows all of them as its peers. */
  async found(ids: readonly string[]): Promise<NodeHandle[]> {
    const placed = await Promise.all(ids.map(async (id) => ({ id, place: await this.network.place(id) })));
    const peers = placed.map((p) => `${p.id}@${p.place.raft.host}:${p.place.raft.port}`).join(',');
    return placed.map((p) => this.handle(p.id, p.place, ['--peers', peers]));
  }

  /** Places a server that asks `member` (its HTTP URL) to take it in: a learner first, a voter once caught up. */
  async joiner(id: string, member: NodeHandle): Promise<NodeHandle> {
    return this.handle(id, await this.network.place(id), ['--join', member.url]);
  }

  private handle(id: string, place: Placement, membership: string[]): NodeHandle {
    const dataDir = join(this.root, id);
    const args = [
      '--id', id,
      '--http', `${place.host}:${place.httpPort}`,
      '--raft', `${place.host}:${place.raftPort}`,
      '--advertise', `${place.raft.host}:${place.raft.port}`,
      ...membership,
      '--data', dataDir,
      '--admin-token', this.options.adminToken,
      ...this.options.flags,
    ];
    const node: NodeHandle = { id, place, url: `http://${place.host}:${place.httpPort}`, dataDir, args, proc: undefined, pid: 0, paused: false, removed: false, output: '', starts: 0 };
    this.nodes.push(node);
    return node;
  }

  /** Spawns the node; resolves once it serves (it prints `rookery <id> ready`). */
  start(node: NodeHandle, timeoutMs = 30_000): Promise<void> {
    if (node.proc !== undefined) throw new Error(`${node.id} is already running`);
    const [cmd, ...rest] = [...node.place.prefix, process.execPath, '--import', 'tsx', MAIN, ...node.args];
    const proc = spawn(cmd!, rest, { cwd: REPO, env: { ...process.env, RAFT_SECRET: this.options.secret, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    node.proc = proc;
    node.pid = proc.pid ?? 0;
    node.paused = false;
    node.starts++;
    this.live.add(proc);
    const keep = (d: Buffer): void => {
      node.output = (node.output + d.toString()).slice(-OUTPUT_KEPT);
    };
    proc.stderr!.on('data', keep);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${node.id} did not start within ${timeoutMs} ms`)), timeoutMs);
      let ready = false;
      proc.stdout!.on('data', (d: Buffer) => {
        keep(d);
        if (!ready && node.output.includes(`rookery ${node.id} ready`)) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      });
      proc.on('exit', (code, signal) => {
        clearTimeout(timer);
        this.live.delete(proc);
        if (node.proc === proc) {
          node.proc = undefined;
          node.pid = 0;
          node.paused = false;
        }
        if (!this.expected.has(proc)) {
          const why = `${node.id} (pid ${proc.pid}) exited by itself with ${signal ?? `code ${code}`}`;
          node.output += `\n[chaos] ${why}\n`;
          this.crashes.push(`${why}; its last output:\n${node.output.slice(-4000)}`);
        }
        if (!ready) reject(new Error(`${node.id} exited with ${signal ?? code} before it was ready:\n${node.output.slice(-2000)}`));
      });
    });
  }

  /** kill -9; resolves once the process is gone. */
  async kill(node: NodeHandle): Promise<void> {
    const proc = node.proc;
    if (proc === undefined) return;
    this.expected.add(proc);
    const gone = new Promise<void>((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve())));
    proc.kill('SIGKILL');
    node.proc = undefined;
    node.pid = 0;
    node.paused = false;
    await gone;
  }

  pause(node: NodeHandle): void {
    if (node.proc === undefined || node.paused) return;
    node.proc.kill('SIGSTOP');
    node.paused = true;
  }

  resume(node: NodeHandle): void {
    if (node.proc === undefined || !node.paused) return;
    node.proc.kill('SIGCONT');
    node.paused = false;
  }

  /** `id#pid` of the process running now, if any. */
  process(node: NodeHandle): string | undefined {
    return node.pid === 0 ? undefined : `${node.id}#${node.pid}`;
  }

  /** Members the harness has not taken out. */
  members(): NodeHandle[] {
    return this.nodes.filter((n) => !n.removed);
  }

  /** Members running now and not paused: where clients and the nemesis act. */
  up(): NodeHandle[] {
    return this.members().filter((n) => n.proc !== undefined && !n.paused);
  }

  byId(id: string): NodeHandle | undefined {
    return this.nodes.find((n) => n.id === id);
  }

  /** Kills every process still running (a paused one too: SIGKILL needs no SIGCONT). */
  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n)));
    for (const proc of this.live) {
      this.expected.add(proc);
      proc.kill('SIGKILL');
    }
  }

  /** For a process exit handler: kill synchronously whatever still runs. */
  killNow(): void {
    for (const proc of this.live) {
      this.expected.add(proc);
      proc.kill('SIGKILL');
    }
  }
}

/**
 * Kills node processes an earlier harness started and could not stop (it was itself killed with
 * SIGKILL): Rookery nodes whose data directory is a chaos schedule's and whose parent is gone.
 * Answers how many it killed.
 */
export function reapOrphans(): number {
  let killed = 0;
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0; // no /proc: not Linux
  }
  for (const pid of pids) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const ppid = Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      const ours = cmdline.some((a) => a.endsWith(join('apps', 'server', 'src', 'main.ts'))) && cmdline.some((a) => a.includes('rookery-chaos-'));
      if (ours && ppid === 1) {
        process.kill(Number(pid), 'SIGKILL');
        killed++;
      }
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return killed;
}
