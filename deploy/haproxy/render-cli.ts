import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeHaproxyConfig, renderHaproxyConfig, type HaproxyNode } from './render';

/**
 * `npm run haproxy:render` rewrites deploy/haproxy/haproxy.cfg (the compose cluster);
 * `npm run haproxy:render -- --nodes n1@10.0.0.1:8001,n2@10.0.0.2:8001 --agent-port 8081 --bind :80`
 * prints the configuration for other nodes.
 */
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const list = opt('nodes');
if (list === undefined) {
  const file = join(__dirname, 'haproxy.cfg');
  writeFileSync(file, composeHaproxyConfig());
  process.stdout.write(`wrote ${file}\n`);
} else {
  const agentPort = Number(opt('agent-port') ?? '8081');
  const nodes: HaproxyNode[] = list.split(',').map((s) => {
    const m = /^([A-Za-z0-9_-]+)@([^:]+:\d+)$/.exec(s);
    if (!m) {
      process.stderr.write(`haproxy:render: ${JSON.stringify(s)} is not id@host:port\n`);
      process.exit(2);
    }
    return { id: m[1]!, http: m[2]!, agentPort };
  });
  process.stdout.write(renderHaproxyConfig({ nodes, bind: opt('bind') ?? ':8080', statsBind: opt('stats') ?? ':8404', runtimeSocket: opt('socket') ?? '/var/run/haproxy/admin.sock', log: 'stdout' }));
}
