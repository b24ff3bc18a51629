import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AdminError } from './admin';
import { rollingRestart, type Progress } from './rolling-restart';

/**
 * `npm run rolling-restart` — restarts every node of a running cluster, one at a time.
 *   npm run rolling-restart -- --nodes http://10.0.0.1:8001,http://10.0.0.2:8001,http://10.0.0.3:8001
 * The admin token comes from --admin-token, ADMIN_TOKEN, or ./data/admin-token (what `npm start`
 * writes); without --nodes, the nodes of `npm start` (127.0.0.1:8001-8003) are restarted.
 */
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const tokenFile = resolve(opt('data') ?? 'data', 'admin-token');
const token = opt('admin-token') ?? process.env['ADMIN_TOKEN'] ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);
const nodes = (opt('nodes') ?? process.env['ROOKERY_NODES'] ?? 'http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003').split(',').filter(Boolean);
if (token === undefined) {
  process.stderr.write('rolling-restart: no admin token (--admin-token, ADMIN_TOKEN, or ./data/admin-token)\n');
  process.exit(2);
}

const tty = process.stdout.isTTY === true;
const spin = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
let frame = 0;
let lastLine = '';
const show = (e: Progress): void => {
  if (e.kind === 'plan') {
    process.stdout.write(`rolling restart of ${e.order.length} nodes, in this order: ${e.order.map((n) => `${n.id} (${n.role})`).join(', ')}\n`);
    return;
  }
  const line = `[${e.index}/${e.total}] ${e.id}: ${e.phase}${e.detail ? ` — ${e.detail}` : ''} (${(e.elapsedMs / 1000).toFixed(1)} s)`;
  if (tty) {
    process.stdout.write(`\r\x1b[2K${e.phase === 'done' ? '✔' : spin[frame++ % spin.length]} ${line}${e.phase === 'done' ? '\n' : ''}`);
  } else if (line.replace(/\(.*s\)$/, '') !== lastLine.replace(/\(.*s\)$/, '')) {
    process.stdout.write(`${line}\n`);
  }
  lastLine = line;
};

rollingRestart({ nodes, adminToken: token, progress: show })
  .then((reports) => {
    for (const r of reports) process.stdout.write(`  ${r.id}  back and caught up in ${(r.tookMs / 1000).toFixed(1)} s (down ${(r.downMs / 1000).toFixed(1)} s)\n`);
    process.stdout.write(`rolling-restart: ${reports.length} nodes restarted, one at a time\n`);
  })
  .catch((e: unknown) => {
    process.stderr.write(`\nrolling-restart: ${e instanceof AdminError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
