import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts } from './redis';

/** Debian puts HAProxy in /usr/sbin, which a user's PATH may not hold. */
export const HAPROXY_BIN = process.env['HAPROXY_BIN'] ?? (existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy');

/** A server's state in a backend, as HAProxy's runtime API reports it (`show stat`). */
export interface ServerState {
  backend: string;
  server: string;
  /** UP, DOWN, DRAIN, MAINT, NOLB, "UP 1/2", … */
  status: string;
  weight: number;
  /** Sessions now. */
  current: number;
}

/**
 * A real HAProxy (Debian's) running a configuration the test renders, in the foreground, with
 * its runtime API on a unix socket in a temporary folder: what an operator would look at.
 */
export class HaproxyProcess {
  private proc: ChildProcess | undefined;
  output = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get socketPath(): string {
    return join(this.dir, 'admin.sock');
  }

  /** `render(socketPath)` makes the configuration; `port` is its frontend's. */
  static async start(render: (socketPath: string) => string, port: number): Promise<HaproxyProcess> {
    const h = new HaproxyProcess(mkdtempSync(join(tmpdir(), 'rookery-haproxy-')), port);
    const cfg = join(h.dir, 'haproxy.cfg');
    writeFileSync(cfg, render(h.socketPath));
    const proc = spawn(HAPROXY_BIN, ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    h.proc = proc;
    proc.stdout!.on('data', (d: Buffer) => (h.output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (h.output += d.toString()));
    proc.once('error', (e) => (h.output += `haproxy: ${String(e)} (apt-get install haproxy; .ci/run does)\n`));
    const deadline = Date.now() + 10_000;
    while (!(await accepts(port))) {
      if (Date.now() > deadline || proc.exitCode !== null) {
        await h.stop();
        throw new Error(`haproxy did not start on ${port}:\n${h.output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return h;
  }

  /** One runtime API command, its whole answer. */
  runtime(command: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = createConnection(this.socketPath);
      let out = '';
      s.on('data', (d) => (out += d.toString()));
      s.once('error', reject);
      s.once('end', () => resolve(out));
      s.write(`${command}\n`);
    });
  }

  /** Every server's state, from `show stat`. */
  async servers(backend?: string): Promise<ServerState[]> {
    const csv = await this.runtime('show stat');
    const [header, ...rows] = csv.replace(/^# /, '').trim().split('\n');
    const cols = header!.split(',');
    const at = (name: string): number => cols.indexOf(name);
    return rows
      .map((r) => r.split(','))
      .filter((f) => f[at('svname')] !== 'FRONTEND' && f[at('svname')] !== 'BACKEND')
      .map((f) => ({ backend: f[at('pxname')]!, server: f[at('svname')]!, status: f[at('status')]!, weight: Number(f[at('weight')]), current: Number(f[at('scur')]) }))
      .filter((s) => backend === undefined || s.backend === backend);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (p !== undefined && p.exitCode === null) {
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGKILL');
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
