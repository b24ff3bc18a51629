import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * `npm start`: a local cluster of Rookery nodes on this machine, one process each, data kept in
 * ./data between runs (so a restart finds its games), the browser client (client/dist, made by
 * `npm run build:client`) served by every node, each node's URL given to the client as a node
 * it may reconnect to. Ctrl-C drains and stops every node.
 *   npm start -- --nodes 5 --http-base 8001 --raft-base 7001 --data ./data --client-dir client/dist
 */
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const count = Number(opt('nodes', '3'));
const httpBase = Number(opt('http-base', '8001'));
const raftBase = Number(opt('raft-base', '7001'));
const dataRoot = resolve(opt('data', 'data'));
if (!Number.isInteger(count) || count < 1 || count > 9) {
  process.stderr.write('start: --nodes must be from 1 to 9\n');
  process.exit(2);
}
mkdirSync(dataRoot, { recursive: true });
// The cluster secret is made once and kept with the data: the nodes' logs only make sense together.
const secretFile = join(dataRoot, 'cluster-secret');
if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
const secret = readFileSync(secretFile, 'utf8').trim();
const ids = Array.from({ length: count }, (_, i) => `n${i + 1}`);
const peers = ids.map((id, i) => `${id}@127.0.0.1:${raftBase + i}`).join(',');
const clientDir = resolve(opt('client-dir', resolve(__dirname, '..', '..', '..', 'client', 'dist')));
if (!existsSync(join(clientDir, 'index.html'))) process.stderr.write(`start: no ${join(clientDir, 'index.html')}: run npm run build:client first (the nodes serve no page until then)\n`);
const clientNodes = ids.map((_, i) => `http://127.0.0.1:${httpBase + i}`).join(',');
// The admin token too: `npm run rolling-restart` reads it from here.
const tokenFile = join(dataRoot, 'admin-token');
if (!existsSync(tokenFile)) writeFileSync(tokenFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
const adminToken = readFileSync(tokenFile, 'utf8').trim();
const procs: ChildProcess[] = [];
let stopping = false;

/** Starts node `i`; a node that exits 0 drained (an admin drain, a rolling restart) and is started again, as a supervisor would. */
function launch(i: number, id: string): void {
  const p = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'main.ts'), '--id', id, '--http', `127.0.0.1:${httpBase + i}`, '--raft', `127.0.0.1:${raftBase + i}`, '--peers', peers, '--data', join(dataRoot, id), '--client-dir', clientDir, '--client-nodes', clientNodes],
    { env: { ...process.env, RAFT_SECRET: secret, ADMIN_TOKEN: adminToken, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  procs[i] = p;
  p.stdout!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (line.startsWith(`rookery ${id} ready`)) process.stdout.write(`  ${id}  http://127.0.0.1:${httpBase + i}   (raft 127.0.0.1:${raftBase + i})\n`);
      else if (line.trim() !== '') process.stdout.write(`${id} ${line}\n`);
    }
  });
  p.on('exit', (code, signal) => {
    if (stopping) return;
    if (code === 0) {
      process.stdout.write(`start: ${id} drained and stopped; starting it again\n`);
      setTimeout(() => !stopping && launch(i, id), 200);
      return;
    }
    process.stderr.write(`start: ${id} exited (${signal ?? code}); stopping the others\n`);
    void stopAll(1);
  });
}
for (const [i, id] of ids.entries()) launch(i, id);
process.stdout.write(`Rookery: ${count} nodes, data in ${dataRoot} (Ctrl-C to stop)\n`);

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstart: draining and stopping every node…\n');
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((done) => {
          if (p.exitCode !== null || p.signalCode !== null) return done();
          const force = setTimeout(() => p.kill('SIGKILL'), 15_000);
          p.once('exit', () => {
            clearTimeout(force);
            done();
          });
          p.kill('SIGTERM');
        }),
    ),
  );
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
