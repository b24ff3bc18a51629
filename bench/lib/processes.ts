import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestCluster } from './cluster';

/**
 * The processes a benchmark starts (node clusters, load generators, a bare Socket.IO server)
 * and the one rule they share: every one is stopped on success, failure and Ctrl-C. Children
 * speak JSON lines: the parent writes commands to their stdin, they write messages to stdout;
 * stderr is kept for the error message of a child that fails.
 */

type Kill = () => void;
const kills = new Set<Kill>();
let installed = false;

function killAll(): void {
  for (const k of [...kills]) {
    try {
      k();
    } catch {
      // Already gone: nothing left to stop.
    }
  }
  kills.clear();
}

/**
 * Registers a synchronous kill, run if the process is interrupted or exits before the returned
 * release is called. Synchronous because an 'exit' handler cannot wait, and an orchestrator's
 * own SIGINT handler may call process.exit before any await here would resume.
 */
export function onAbort(kill: Kill): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', killAll);
    for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      process.on(sig, () => {
        killAll();
        // Another listener (the orchestrator) owns the exit; alone, this one must do it.
        if (process.listenerCount(sig) === 1) process.exit(code);
      });
    }
  }
  kills.add(kill);
  return () => kills.delete(kill);
}

/** kill -9 every node and delete the cluster's data: the synchronous half of TestCluster.stop. */
export function killClusterNow(cluster: TestCluster): void {
  for (const n of cluster.nodes) n.proc?.kill('SIGKILL');
  const first = cluster.nodes[0];
  if (first !== undefined) rmSync(dirname(first.dataDir), { recursive: true, force: true });
}

/** Runs `body` with a cluster that is stopped afterwards, whatever happens, Ctrl-C included. */
export async function withCluster<T>(start: () => Promise<TestCluster>, body: (c: TestCluster) => Promise<T>): Promise<T> {
  const cluster = await start();
  const release = onAbort(() => killClusterNow(cluster));
  try {
    return await body(cluster);
  } finally {
    await cluster.stop();
    release();
  }
}

export interface Child<M> {
  readonly proc: ChildProcess;
  /** Writes one command line to the child's stdin. */
  send(command: object): void;
  /** Resolves with the first message `match` accepts; rejects if the child exits first or `timeoutMs` passes. */
  next<T extends M>(match: (m: M) => m is T, timeoutMs: number): Promise<T>;
  /** kill -9 (if still running), and resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `node --import tsx script …args` with its working directory at the repository root
 * (tsx reads the tsconfig paths from there). Every stdout line is parsed as JSON and passed to
 * `onMessage`, then to whoever waits in `next`.
 */
export function spawnChild<M extends { type: string }>(script: string, args: string[], onMessage: (m: M) => void = () => undefined): Child<M> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: `${__dirname}/../..`, stdio: ['pipe', 'pipe', 'pipe'] });
  const release = onAbort(() => proc.kill('SIGKILL'));
  let stderr = '';
  let exited = false;
  const waiters = new Set<{ match: (m: M) => boolean; resolve: (m: M) => void; reject: (e: Error) => void }>();
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      exited = true;
      release();
      for (const w of waiters) w.reject(new Error(`${script} exited (${code ?? signal}) before answering:\n${stderr.slice(-3000)}`));
      waiters.clear();
      resolve();
    }),
  );
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  proc.stdin!.on('error', () => undefined); // a child that died: its exit reports it
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    let m: M;
    try {
      m = JSON.parse(line) as M;
    } catch {
      stderr += `stdout: ${line}\n`;
      return;
    }
    onMessage(m);
    for (const w of waiters) {
      if (!w.match(m)) continue;
      waiters.delete(w);
      w.resolve(m);
    }
  });
  return {
    proc,
    send: (command) => void proc.stdin!.write(`${JSON.stringify(command)}\n`),
    next: <T extends M>(match: (m: M) => m is T, timeoutMs: number) =>
      new Promise<T>((resolve, reject) => {
        if (exited) return reject(new Error(`${script} has exited:\n${stderr.slice(-3000)}`));
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`${script}: no answer within ${timeoutMs} ms:\n${stderr.slice(-3000)}`));
        }, timeoutMs);
        const w = {
          match,
          resolve: (m: M) => (clearTimeout(timer), resolve(m as T)),
          reject: (e: Error) => (clearTimeout(timer), reject(e)),
        };
        waiters.add(w);
      }),
    stop: async () => {
      if (!exited) proc.kill('SIGKILL');
      await exit;
    },
  };
}

// ---- The child's side ------------------------------------------------------------------------

/** Writes one message line to stdout; resolves once it is flushed (so that exiting loses none). */
export function report(message: { type: string } & Record<string, unknown>): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(message)}\n`, () => resolve()));
}

/** Calls `handler` with each command line; exits when stdin closes (the parent is gone). */
export function onCommand(handler: (command: { type: string } & Record<string, unknown>) => void): void {
  createInterface({ input: process.stdin })
    .on('line', (line) => handler(JSON.parse(line) as { type: string } & Record<string, unknown>))
    .on('close', () => process.exit(1));
}
