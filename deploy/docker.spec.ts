import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { freePort } from '@rookery/raft/testing';
import { CONFIG_OPTIONS, loadConfig } from '../apps/server/src/config';
import * as C from './docker/compose-checks';
import { composeSchemaProblems } from './docker/compose-schema';
import { parseDockerfile } from './docker/dockerfile';
import { dockerignoreProblems, imageProblems, parseDockerignore, tsxProblems, type Lock } from './docker/image-checks';
import { layOutBuild, layOutRuntime } from './docker/runtime-tree';

/**
 * No Docker engine runs here, so the Docker files are held to what the tested configuration
 * says: the Compose schema, the server's own option names and config check, the ports, the
 * peers, the volumes, the image's stages, user, healthcheck and command — and a node started
 * from exactly the files and packages the runtime stage ships. The last block breaks each
 * promise on purpose and shows that its check notices.
 */
const REPO = resolve(__dirname, '..');
const read = (p: string): string => readFileSync(join(REPO, p), 'utf8');
const HAPROXY_CFG = join(REPO, 'deploy', 'haproxy', 'haproxy.cfg');
const texts = { compose: read('deploy/docker-compose.yml'), dockerfile: read('deploy/Dockerfile'), ignore: read('.dockerignore'), cfg: existsSync(HAPROXY_CFG) ? readFileSync(HAPROXY_CFG, 'utf8') : undefined };
const lock = JSON.parse(read('package-lock.json')) as Lock;
const ENV_NAMES: readonly string[] = CONFIG_OPTIONS.map((o) => o[1]);
const SECRETS: Record<string, string> = { RAFT_SECRET: 'compose-spec-secret', ADMIN_TOKEN: 'compose-spec-admin-token' };

const composeOf = (text: string): C.Compose => parse(text, { merge: true }) as C.Compose;
const healthScript = (p: string): string | undefined => (existsSync(join(REPO, p)) ? read(p) : undefined);

/** Compose's `${VAR:?message}` and `${VAR:-default}`, with the secrets an operator would set. */
function interpolate(v: string): string {
  return v.replace(/\$\{([A-Z_]+)(?::([?-])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => SECRETS[name] ?? (op === '-' ? (arg ?? '') : ''));
}

/** The document as Compose reads it: every string interpolated (then it validates). */
function interpolated(v: unknown): unknown {
  if (typeof v === 'string') return interpolate(v);
  if (Array.isArray(v)) return v.map(interpolated);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolated(x)]));
  return v;
}

/** Each node's settings through the server's own check (loadConfig), as the container would start. */
function configProblems(c: C.Compose): string[] {
  const problems: string[] = [];
  for (const [name, s] of C.nodeServices(c)) {
    const env = Object.fromEntries([...C.envOf(s)].map(([k, v]) => [k, interpolate(v)]));
    try {
      const config = loadConfig([], env);
      if (config.peers.size !== C.nodeServices(c).length) problems.push(`${name} knows ${config.peers.size} founding members`);
      if (config.agentPort === undefined || config.redisUrl === undefined) problems.push(`${name} runs without its HAProxy agent or Redis`);
    } catch (e) {
      problems.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems;
}

/** The nodes in haproxy.cfg's `server` lines: each a compose node at its HTTP port, agent-checked on AGENT_PORT. */
function haproxyCfgProblems(c: C.Compose, cfg: string): string[] {
  const problems: string[] = [];
  const servers = [...cfg.matchAll(/^\s*server\s+(\S+)\s+(\S+)(.*)$/gm)].filter((m) => !m[2]!.startsWith('${'));
  if (servers.length === 0) problems.push('haproxy.cfg has no server lines naming the nodes');
  for (const m of servers) {
    const [host, port] = [m[2]!.slice(0, m[2]!.lastIndexOf(':')), Number(m[2]!.slice(m[2]!.lastIndexOf(':') + 1))];
    const node = C.nodeServices(c).find(([n]) => n === host);
    if (node === undefined) continue; // test backends on loopback, say
    const env = C.envOf(node[1]);
    if (port !== C.portOf(env.get('HTTP_ADDR'))) problems.push(`haproxy.cfg sends ${m[1]} to ${host}:${port}, but ${host} listens on ${env.get('HTTP_ADDR')}`);
    const agent = /agent-port\s+(\d+)/.exec(m[3]!)?.[1];
    if (agent !== undefined && agent !== env.get('AGENT_PORT')) problems.push(`haproxy.cfg asks ${host}'s agent on ${agent}, but AGENT_PORT is ${env.get('AGENT_PORT')}`);
  }
  for (const [n] of C.nodeServices(c)) if (!servers.some((m) => m[2]!.startsWith(`${n}:`))) problems.push(`haproxy.cfg has no server for ${n}`);
  // The image runs as the haproxy user: the runtime API socket's folder must be given to it.
  const socket = /^\s*stats socket\s+(\/\S+)/m.exec(cfg)?.[1];
  const haproxy = Object.values(c.services ?? {}).find((s) => typeof s.image === 'string' && s.image.startsWith('haproxy:'));
  const tmpfs = haproxy?.['tmpfs'];
  const writable = [...(Array.isArray(tmpfs) ? tmpfs : tmpfs === undefined ? [] : [tmpfs]), ...(haproxy?.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target))].map(String);
  if (socket !== undefined && !writable.some((w) => socket.startsWith(`${w.replace(/\/$/, '')}/`))) problems.push(`haproxy.cfg's runtime API socket ${socket} is in no tmpfs or volume of the HAProxy service`);
  return problems;
}

const checks = {
  schema: (t: typeof texts) => composeSchemaProblems(interpolated(composeOf(t.compose))),
  envNames: (t: typeof texts) => C.envNameProblems(composeOf(t.compose), ENV_NAMES),
  identity: (t: typeof texts) => C.identityProblems(composeOf(t.compose)),
  peers: (t: typeof texts) => C.peerProblems(composeOf(t.compose)),
  ports: (t: typeof texts) => C.portProblems(composeOf(t.compose), parseDockerfile(t.dockerfile)),
  volumes: (t: typeof texts) => C.volumeProblems(composeOf(t.compose)),
  haproxy: (t: typeof texts) => C.haproxyProblems(composeOf(t.compose), (s) => resolve(REPO, 'deploy', s), HAPROXY_CFG),
  proxy: (t: typeof texts) => C.proxyProblems(composeOf(t.compose)),
  drain: (t: typeof texts) => C.drainProblems(composeOf(t.compose)),
  health: (t: typeof texts) => C.healthProblems(composeOf(t.compose)),
  config: (t: typeof texts) => configProblems(composeOf(t.compose)),
  haproxyCfg: (t: typeof texts) => (t.cfg === undefined ? [] : haproxyCfgProblems(composeOf(t.compose), t.cfg)),
  image: (t: typeof texts) => imageProblems(parseDockerfile(t.dockerfile), healthScript),
  tsx: (t: typeof texts) => tsxProblems(parseDockerfile(t.dockerfile), lock),
  dockerignore: (t: typeof texts) => dockerignoreProblems(parseDockerfile(t.dockerfile), t.ignore),
};

describe('deploy/docker-compose.yml', () => {
  it('is a valid Compose file (the Compose specification, draft 2019-09, formats checked)', () => assert.deepEqual(checks.schema(texts), []));
  it('sets on its nodes only variables the server reads (CONFIG_OPTIONS)', () => assert.deepEqual(checks.envNames(texts), []));
  it('gives each node its id, address and cluster settings, the secrets by ${VAR:?} interpolation', () => assert.deepEqual(checks.identity(texts), []));
  it('lists every node service in RAFT_PEERS, at its Raft port', () => assert.deepEqual(checks.peers(texts), []));
  it('exposes and publishes the ports HTTP_ADDR, RAFT_ADDR and AGENT_PORT name, as the Dockerfile EXPOSEs them', () => assert.deepEqual(checks.ports(texts), []));
  it('gives each node its own named volume, mounted at its DATA_DIR', () => assert.deepEqual(checks.volumes(texts), []));
  it('mounts deploy/haproxy/haproxy.cfg into HAProxy, which waits for the nodes', () => assert.deepEqual(checks.haproxy(texts), []));
  it("has the nodes believe X-Forwarded-For from HAProxy's fixed address alone", () => assert.deepEqual(checks.proxy(texts), []));
  it('lets a drain end before Docker kills it, and brings a drained node back', () => assert.deepEqual(checks.drain(texts), []));
  it('checks every service, the nodes by liveness', () => assert.deepEqual(checks.health(texts), []));
  it("gives each node settings the server's own config check accepts", () => assert.deepEqual(checks.config(texts), []));
  it("agrees with haproxy.cfg on the nodes, their HTTP and agent ports, and gives its runtime API socket a place", { skip: texts.cfg === undefined && 'deploy/haproxy/haproxy.cfg is not written yet' }, () =>
    assert.deepEqual(checks.haproxyCfg(texts), []));
});

describe('deploy/Dockerfile', () => {
  it('builds in stages (npm ci, the client, a slim runtime), runs as a user that is not root, checks liveness, drains on SIGTERM, runs main.ts with tsx', () =>
    assert.deepEqual(checks.image(texts), []));
  it('ships tsx with every package package-lock.json locks for it, and no other dev dependency', () => assert.deepEqual(checks.tsx(texts), []));
  it('has a root .dockerignore that lets in what it copies and keeps out node_modules, builds, data and secrets', () => assert.deepEqual(checks.dockerignore(texts), []));

  // The image, laid out without Docker: the build stage's files build the client, and the
  // runtime stage's files (with that client) start a node.
  const tmp = mkdtempSync(join(tmpdir(), 'rookery-image-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const dockerfile = parseDockerfile(texts.dockerfile);
  const rules = parseDockerignore(texts.ignore);

  it("builds the client from the build stage's files (npm run build:client)", () => {
    const build = layOutBuild(REPO, dockerfile, rules, join(tmp, 'build'));
    assert.ok(build.runs.length > 0, 'the build stage runs nothing');
    for (const [cmd, ...args] of build.runs) {
      const env = { ...process.env };
      delete env['ROOKERY_CLIENT_OUT'];
      const run = spawnSync(cmd!, args, { cwd: build.root, encoding: 'utf8', env });
      assert.equal(run.status, 0, `${[cmd, ...args].join(' ')} failed in the build stage's files:\n${run.stdout}${run.stderr}`);
    }
    assert.ok(existsSync(join(build.root, 'client', 'dist', 'index.html')), 'the build stage made no client/dist/index.html');
  });

  it("starts a node from the runtime stage's files and production packages: live, serving the client, exiting 0 on SIGTERM", async (t) => {
    const tree = layOutRuntime(REPO, dockerfile, lock, rules, join(tmp, 'app'), { build: join(tmp, 'build') });
    const [http, raft, agent] = [await freePort(), await freePort(), await freePort()];
    const n1 = Object.fromEntries([...C.envOf(C.nodeServices(composeOf(texts.compose))[0]![1])].map(([k, v]) => [k, interpolate(v)]));
    // The first node as compose configures it, alone on loopback ports, without Redis.
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', ...tree.env, ...n1, HTTP_ADDR: `127.0.0.1:${http}`, RAFT_ADDR: `127.0.0.1:${raft}`, AGENT_PORT: String(agent) };
    Object.assign(env, { RAFT_PEERS: `n1@127.0.0.1:${raft}`, DATA_DIR: join(tmp, 'data'), DRAIN_GRACE_MS: '100', DESIRED_MEMBERS: '1', LOG_LEVEL: 'warn' });
    delete env['RAFT_ADVERTISE'];
    delete env['REDIS_URL'];
    const node = (words: string[]): [string, string[]] => [words[0] === 'node' ? process.execPath : words[0]!, words.slice(1)];
    const proc = spawn(...node(tree.command), { cwd: tree.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    t.after(() => void (proc.exitCode === null && proc.kill('SIGKILL')));
    const healthy = (): number | null => spawnSync(...node(tree.healthcheck), { cwd: tree.root, env, timeout: 10_000 }).status;

    const deadline = Date.now() + 30_000;
    while (!output.includes('rookery n1 ready')) {
      assert.ok(proc.exitCode === null && Date.now() < deadline, `the node did not start from the image's files:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(healthy(), 0, 'the HEALTHCHECK says unhealthy while the node is live');
    const page = await fetch(`http://127.0.0.1:${http}/`);
    assert.equal(await page.text(), readFileSync(join(tmp, 'build', 'client', 'dist', 'index.html'), 'utf8'), '--client-dir does not serve the client the build stage made');
    proc.kill('SIGTERM');
    assert.equal(await exited, 0, `a drained node must exit 0 (restart: unless-stopped brings it back):\n${output}`);
    assert.equal(healthy(), 1, 'the HEALTHCHECK says healthy with no node running');
  });
});

/** [what is broken, the check that must notice, how to break a pristine copy]. */
const BREAKS: [string, keyof typeof checks, (t: typeof texts) => Partial<typeof texts>][] = [
  ['a value of the wrong type', 'schema', (t) => ({ compose: t.compose.replace('init: true', 'init: "yes"') })],
  ['a port written wrong', 'schema', (t) => ({ compose: t.compose.replace('"127.0.0.1:8002:8001"', '"127.0.0.1:8002:http"') })],
  ['a variable the server does not read', 'envNames', (t) => ({ compose: t.compose.replace('DRAIN_DEADLINE_MS:', 'DRAIN_DEADLINE:') })],
  ['a node id that is not its service name', 'identity', (t) => ({ compose: t.compose.replace('NODE_ID: n2', 'NODE_ID: node2') })],
  ['a secret written into the file', 'identity', (t) => ({ compose: t.compose.replace(/RAFT_SECRET: .*/, 'RAFT_SECRET: hunter2hunter2') })],
  ['a node missing from RAFT_PEERS', 'peers', (t) => ({ compose: t.compose.replace(',n3@n3:7001', '') })],
  ['an agent port that is not exposed', 'ports', (t) => ({ compose: t.compose.replace('AGENT_PORT: "8081"', 'AGENT_PORT: "8082"') })],
  ['a port the image does not expose', 'ports', (t) => ({ dockerfile: t.dockerfile.replace('EXPOSE 8001 7001 8081', 'EXPOSE 8001 7001') })],
  ['two nodes on one volume', 'volumes', (t) => ({ compose: t.compose.replace('- n2-data:/data', '- n1-data:/data') })],
  ['the volume elsewhere than DATA_DIR', 'volumes', (t) => ({ compose: t.compose.replace('- n3-data:/data', '- n3-data:/var/lib/rookery') })],
  ['another haproxy.cfg', 'haproxy', (t) => ({ compose: t.compose.replace('./haproxy/haproxy.cfg:', './haproxy.cfg:') })],
  ['HAProxy sending a node to another port', 'haproxyCfg', (t) => ({ cfg: t.cfg?.replace('server n2 n2:8001 cookie', 'server n2 n2:8002 cookie') })],
  ['the runtime API socket with nowhere to be made', 'haproxyCfg', (t) => ({ compose: t.compose.replace(/ {4}tmpfs:\n {6}- \/var\/run\/haproxy\n/, '') })],
  ['a trusted proxy that is not HAProxy', 'proxy', (t) => ({ compose: t.compose.replace('TRUST_PROXY: 10.210.0.10', 'TRUST_PROXY: 10.210.0.0/24') })],
  ['HAProxy outside the subnet', 'proxy', (t) => ({ compose: t.compose.replace('- subnet: 10.210.0.0/24', '- subnet: 10.211.0.0/24') })],
  ['a grace period shorter than the drain', 'drain', (t) => ({ compose: t.compose.replace('stop_grace_period: 90s', 'stop_grace_period: 20s') })],
  ['a restart policy that leaves a drained node down', 'drain', (t) => ({ compose: t.compose.replace(/restart: unless-stopped(\n {2}stop_signal)/, 'restart: on-failure$1') })],
  ['a readiness healthcheck', 'health', (t) => ({ compose: t.compose.replace('["CMD", "node", "deploy/docker/healthcheck.mjs"]', '["CMD", "curl", "-f", "http://127.0.0.1:8001/health/ready"]') })],
  ['an address the server refuses', 'config', (t) => ({ compose: t.compose.replace('RAFT_ADDR: 0.0.0.0:7001', 'RAFT_ADDR: 0.0.0.0') })],
  ['a single stage', 'image', (t) => ({ dockerfile: t.dockerfile.slice(t.dockerfile.indexOf('FROM node:20-bookworm-slim AS runtime')) })],
  ['root at run time', 'image', (t) => ({ dockerfile: t.dockerfile.replace('USER node', 'USER root') })],
  ['no healthcheck', 'image', (t) => ({ dockerfile: t.dockerfile.replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, '') })],
  ['another command', 'image', (t) => ({ dockerfile: t.dockerfile.replace('"apps/server/src/main.ts"', '"apps/server/src/local-cluster.ts"') })],
  ['a stop signal that does not drain', 'image', (t) => ({ dockerfile: t.dockerfile.replace('STOPSIGNAL SIGTERM', 'STOPSIGNAL SIGKILL') })],
  ['tsx without its esbuild binary', 'tsx', (t) => ({ dockerfile: t.dockerfile.replace(/COPY --from=deps \/app\/node_modules\/@esbuild[^\n]*\n/, '') })],
  ['the dev dependencies kept', 'tsx', (t) => ({ dockerfile: t.dockerfile.replace('npm prune --omit=dev', 'npm prune') })],
  ['a copied folder left out of the context', 'dockerignore', (t) => ({ ignore: `${t.ignore}libs/chess-fsm\n` })],
  ['the data let into the context', 'dockerignore', (t) => ({ ignore: t.ignore.replace(/^data$/m, '') })],
];

describe('each check catches the mistake it is for', () => {
  for (const [what, check, breakIt] of BREAKS) {
    it(`${check}: ${what}`, { skip: check === 'haproxyCfg' && texts.cfg === undefined && 'no haproxy.cfg yet' }, () => {
      const broken = { ...texts, ...breakIt(texts) };
      assert.notDeepEqual(broken, texts, `the break "${what}" changed nothing: its pattern no longer matches the file`);
      assert.notDeepEqual(checks[check](broken), [], `the ${check} check did not notice ${what}`);
    });
  }
});
