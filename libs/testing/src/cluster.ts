import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@rookery/raft/testing';

/**
 * Real Rookery node processes on loopback ephemeral ports, for end-to-end tests: start a
 * cluster, kill -9 or restart a node, find the leader, stop everything (and delete its data).
 */
export interface NodeHandle {
  id: string;
  httpPort: number;
  raftPort: number;
  url: string;
  dataDir: string;
  proc: ChildProcess | undefined;
  /** Everything the process wrote, for a failing test's message. */
  output: string;
  /** The HAProxy agent-check port (passed as --agent-port when the cluster runs agents). */
  agentPort: number;
  /** How many times the supervisor started it again after it exited 0 (a drain). */
  restarts: number;
}

export interface ClusterOptions {
  /** Run each node's HAProxy agent on its `agentPort`. */
  agents?: boolean;
  /** More environment for every node (REDIS_URL, ADMIN_TOKEN, …). */
  env?: Record<string, string>;
  /** More arguments for one node, by id (`n1`, …), from its first start (see `argsFor`). */
  nodeArgs?: Record<string, string[]>;
  /**
   * Start a node again when it exits 0 (it drained), as Docker's `restart: unless-stopped` or
   * systemd's `Restart=` would: what a rolling restart relies on.
   */
  supervise?: boolean;
}

/**
 * A port freePort found free can still be taken before the node binds it, by another listener:
 * the node then exits with EADDRINUSE before it is ready, and is started again on other ports.
 */
const PORT_ATTEMPTS = 3;
function portTaken(e: unknown): boolean {
  return e instanceof Error && e.message.includes('EADDRINUSE');
}
/** Runs `start(attempt)` again while what it started lost a port to someone else, up to PORT_ATTEMPTS times. */
async function onFreePorts<T>(start: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(attempt);
    } catch (e) {
      if (attempt >= PORT_ATTEMPTS || !portTaken(e)) throw e;
    }
  }
}

// The server's entry point, started as a process (not imported): tests see it as operators do.
const MAIN = join(__dirname, '..', '..', '..', 'apps', 'server', 'src', 'main.ts');
export const SECRET = 'e2e-cluster-secret';

export class TestCluster {
  readonly nodes: NodeHandle[] = [];
  private readonly root = mkdtempSync(join(tmpdir(), 'rookery-e2e-'));

  private options: ClusterOptions = {};
  private stopping = false;
  /** Per node, the arguments `add`, `nodeArgs` or `argsFor` gave it (again on a restart). */
  private readonly more = new Map<string, string[]>();

  /** Set once the nodes' ports are chosen (they may be made from them). */
  private constructor(private extraArgs: string[] = []) {}

  /**
   * Starts `n` nodes and waits until each is ready (a leader is known everywhere). `extraArgs`
   * go to every node; as a function they are made from the nodes (their ports and URLs chosen).
   */
  static async start(n = 3, extraArgs: string[] | ((nodes: readonly NodeHandle[]) => string[]) = [], options: ClusterOptions = {}): Promise<TestCluster> {
    return onFreePorts(() => TestCluster.startOnce(n, extraArgs, options));
  }

  private static async startOnce(n: number, extraArgs: string[] | ((nodes: readonly NodeHandle[]) => string[]), options: ClusterOptions): Promise<TestCluster> {
    const c = new TestCluster();
    c.options = options;
    for (const [id, args] of Object.entries(options.nodeArgs ?? {})) c.more.set(id, args);
    for (let i = 1; i <= n; i++) c.nodes.push(await c.newNode(`n${i}`, `n${i}`));
    c.extraArgs = typeof extraArgs === 'function' ? extraArgs(c.nodes) : extraArgs;
    try {
      await Promise.all(c.nodes.map((node) => c.launch(node)));
      await c.waitReady();
    } catch (e) {
      // Nobody else can stop what was started: the caller never got the cluster.
      await c.stop();
      throw e;
    }
    return c;
  }

  private peers(): string {
    return this.nodes.map((n) => `${n.id}@127.0.0.1:${n.raftPort}`).join(',');
  }

  /**
   * Starts one more node, `id`, with `args` besides the cluster's (`--join URL`, say: how a
   * server joins a running cluster), and resolves once it says it is ready.
   */
  async add(id: string, args: string[]): Promise<NodeHandle> {
    this.more.set(id, args);
    return onFreePorts(async (attempt) => {
      const node = await this.newNode(id, attempt === 1 ? id : `${id}-${attempt}`);
      this.nodes.push(node);
      try {
        await this.launch(node);
        return node;
      } catch (e) {
        // One that lost its port is tried again as another; any other failure leaves it for stop().
        if (portTaken(e)) this.nodes.splice(this.nodes.indexOf(node), 1);
        throw e;
      }
    });
  }

  /** A node not yet started: its ports (free now) and its data directory under the cluster's. */
  private async newNode(id: string, dir: string): Promise<NodeHandle> {
    const httpPort = await freePort();
    return { id, httpPort, raftPort: await freePort(), agentPort: await freePort(), url: `http://127.0.0.1:${httpPort}`, dataDir: join(this.root, dir), proc: undefined, output: '', restarts: 0 };
  }

  /** Spawns the node's process and resolves when it prints that it is ready. */
  launch(node: NodeHandle): Promise<void> {
    const agent = this.options.agents ? ['--agent-port', String(node.agentPort)] : [];
    const args = ['--import', 'tsx', MAIN, '--id', node.id, '--http', `127.0.0.1:${node.httpPort}`, '--raft', `127.0.0.1:${node.raftPort}`, '--peers', this.peers(), '--data', node.dataDir, '--tick-ms', '50', '--drain-grace-ms', '200', ...agent, ...this.extraArgs, ...(this.more.get(node.id) ?? [])];
    const proc = spawn(process.execPath, args, { env: { ...process.env, RAFT_SECRET: SECRET, LOG_LEVEL: 'warn', ...this.options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    node.proc = proc;
    if (this.options.supervise) {
      proc.once('exit', (code) => {
        if (this.stopping || code !== 0 || node.proc !== proc) return;
        node.proc = undefined;
        node.restarts++;
        setTimeout(() => {
          if (!this.stopping) this.launch(node).catch((e: unknown) => (node.output += `\nsupervisor: restart failed: ${String(e)}\n`));
        }, 100);
      });
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${node.id} did not start within 30 s:\n${node.output}`)), 30_000);
      const onData = (d: Buffer): void => {
        node.output += d.toString();
        if (node.output.includes(`rookery ${node.id} ready`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', (d: Buffer) => (node.output += d.toString()));
      proc.on('exit', (code) => {
        clearTimeout(timer);
        if (!node.output.includes(`rookery ${node.id} ready`)) reject(new Error(`${node.id} exited with ${code} before it was ready:\n${node.output}`));
      });
    });
  }

  async status(node: NodeHandle): Promise<{ role: string; term: number; leader: string; commitIndex: number; appliedIndex: number } | undefined> {
    try {
      const res = await fetch(`${node.url}/health/ready`);
      return (await res.json()) as { role: string; term: number; leader: string; commitIndex: number; appliedIndex: number };
    } catch {
      return undefined;
    }
  }

  /** Waits until every running node knows a leader and is ready. */
  async waitReady(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(this.nodes.filter((n) => n.proc !== undefined).map(async (n) => (await fetch(`${n.url}/health/ready`).catch(() => undefined))?.status));
      if (states.every((s) => s === 200)) return;
      if (Date.now() > deadline) throw new Error(`cluster not ready within ${timeoutMs} ms: ${JSON.stringify(states)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The node that answers 200 on /health/leader (waits for one). */
  async leader(timeoutMs = 10_000): Promise<NodeHandle> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const n of this.nodes) {
        if (n.proc === undefined) continue;
        const res = await fetch(`${n.url}/health/leader`).catch(() => undefined);
        if (res?.status === 200) return n;
      }
      if (Date.now() > deadline) throw new Error(`no leader within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** kill -9. */
  kill(node: NodeHandle): void {
    node.proc?.kill('SIGKILL');
    node.proc = undefined;
  }

  /** The arguments `node` gets besides the cluster's from its next start (a new build's flags, say). */
  argsFor(node: NodeHandle, args: string[]): void {
    this.more.set(node.id, args);
  }

  /** Starts a killed node again on the same ports and data. */
  restart(node: NodeHandle): Promise<void> {
    return this.launch(node);
  }

  /** Waits until `node` runs again (a supervised restart) and is ready. */
  async waitRestarted(node: NodeHandle, restarts: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (node.restarts < restarts || node.proc === undefined || !(await fetch(`${node.url}/health/ready`).then((r) => r.ok).catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`${node.id} not back within ${timeoutMs} ms (restarts ${node.restarts}):\n${node.output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            if (n.proc === undefined || n.proc.exitCode !== null) return resolve();
            n.proc.once('exit', () => resolve());
            n.proc.kill('SIGKILL');
          }),
      ),
    );
    for (const n of this.nodes) n.proc = undefined;
    rmSync(this.root, { recursive: true, force: true });
  }
}
