import { exposedPorts, stages, type Instruction } from './dockerfile';

/**
 * What deploy/docker.spec.ts checks of docker-compose.yml, one function per promise, each
 * answering the problems it found (none: the promise holds) — so a test can also show that each
 * check catches the mistake it is for.
 */
export type Compose = { services?: Record<string, Service>; volumes?: Record<string, unknown>; networks?: Record<string, { ipam?: { config?: { subnet?: string }[] } } | null> };
export type Service = Record<string, unknown> & {
  build?: { dockerfile?: string } | string;
  image?: string;
  environment?: Record<string, string | number | null> | string[];
  ports?: (string | number | { target?: number })[];
  expose?: (string | number)[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  restart?: string;
  stop_grace_period?: string;
};

/** The services built from deploy/Dockerfile: the Rookery nodes. */
export function nodeServices(c: Compose): [string, Service][] {
  return Object.entries(c.services ?? {}).filter(([, s]) => typeof s.build === 'object' && s.build?.dockerfile === 'deploy/Dockerfile');
}

export function envOf(s: Service): Map<string, string> {
  const env = new Map<string, string>();
  if (Array.isArray(s.environment)) {
    for (const kv of s.environment) {
      const eq = kv.indexOf('=');
      env.set(eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? '' : kv.slice(eq + 1));
    }
  } else for (const [k, v] of Object.entries(s.environment ?? {})) env.set(k, v === null ? '' : String(v));
  return env;
}

/** The port of `host:port`, or undefined. */
export function portOf(addr: string | undefined): number | undefined {
  if (addr === undefined) return undefined;
  const m = /:(\d{1,5})$/.exec(addr);
  return m === null ? undefined : Number(m[1]);
}

/** The container side of a `ports:` entry (`[ip:][host:]container[/proto]`, or `{ target }`). */
export function containerPort(p: string | number | { target?: number }): number | undefined {
  if (typeof p === 'number') return p;
  if (typeof p === 'object') return p.target;
  const last = p.split('/')[0]!.split(':').pop()!;
  return /^\d+$/.test(last) ? Number(last) : undefined;
}

/** Go-style durations as Compose writes them (`45s`, `1m30s`, `500ms`), in ms. */
export function durationMs(d: string | undefined): number | undefined {
  if (d === undefined || !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(d)) return undefined;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  for (const m of d.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]!]!;
  return ms;
}

export function envNameProblems(c: Compose, known: readonly string[]): string[] {
  const problems: string[] = [];
  for (const [name, s] of nodeServices(c)) for (const k of envOf(s).keys()) if (!known.includes(k)) problems.push(`${name} sets ${k}, which the server does not read (not in CONFIG_OPTIONS)`);
  return problems;
}

export function identityProblems(c: Compose): string[] {
  const problems: string[] = [];
  const nodes = nodeServices(c);
  if (nodes.length !== 3) problems.push(`${nodes.length} node services, not 3`);
  for (const [name, s] of nodes) {
    const env = envOf(s);
    for (const k of ['NODE_ID', 'HTTP_ADDR', 'RAFT_ADDR', 'RAFT_PEERS', 'DATA_DIR', 'RAFT_SECRET', 'ADMIN_TOKEN', 'AGENT_PORT', 'REDIS_URL', 'DESIRED_MEMBERS']) {
      if (!env.get(k)) problems.push(`${name} does not set ${k}`);
    }
    if (env.get('NODE_ID') !== name) problems.push(`${name}'s NODE_ID is ${env.get('NODE_ID')}: the peers dial the service name, so the id must be it`);
    const raft = portOf(env.get('RAFT_ADDR'));
    if (env.get('RAFT_ADVERTISE') !== `${name}:${raft}`) problems.push(`${name}'s RAFT_ADVERTISE is ${env.get('RAFT_ADVERTISE')}, not ${name}:${raft}`);
    // Secrets come from the environment or deploy/.env, never from the file itself.
    for (const k of ['RAFT_SECRET', 'ADMIN_TOKEN']) if (!/^\$\{[A-Z_]+:\?[^}]+\}$/.test(env.get(k) ?? '')) problems.push(`${name}'s ${k} is not \${VAR:?…} interpolation`);
    if (env.get('DESIRED_MEMBERS') !== String(nodes.length)) problems.push(`${name}'s DESIRED_MEMBERS is ${env.get('DESIRED_MEMBERS')}, not ${nodes.length}`);
  }
  return problems;
}

export function peerProblems(c: Compose): string[] {
  const problems: string[] = [];
  const nodes = nodeServices(c);
  for (const [name, s] of nodes) {
    const env = envOf(s);
    const peers = new Map((env.get('RAFT_PEERS') ?? '').split(',').filter(Boolean).map((p) => p.split('@') as [string, string]));
    for (const [other, o] of nodes) {
      const want = `${other}:${portOf(envOf(o).get('RAFT_ADDR'))}`;
      if (peers.get(other) !== want) problems.push(`${name}'s RAFT_PEERS has ${other}@${peers.get(other)}, not ${other}@${want}`);
    }
    for (const id of peers.keys()) if (!nodes.some(([n]) => n === id)) problems.push(`${name}'s RAFT_PEERS names ${id}, which is no node service`);
  }
  return problems;
}

export function portProblems(c: Compose, dockerfile: readonly Instruction[]): string[] {
  const problems: string[] = [];
  const final = stages(dockerfile).pop()?.instructions ?? [];
  const imageExposes = new Set(exposedPorts(final));
  for (const [name, s] of nodeServices(c)) {
    const env = envOf(s);
    const ports = { HTTP_ADDR: portOf(env.get('HTTP_ADDR')), RAFT_ADDR: portOf(env.get('RAFT_ADDR')), AGENT_PORT: Number(env.get('AGENT_PORT')) };
    const wanted = new Set(Object.values(ports));
    const exposed = new Set((s.expose ?? []).map((e) => Number(String(e).split('/')[0])));
    for (const [k, p] of Object.entries(ports)) {
      if (p === undefined || !Number.isInteger(p)) problems.push(`${name}'s ${k} names no port`);
      else {
        if (!exposed.has(p)) problems.push(`${name} does not expose ${p} (${k})`);
        if (!imageExposes.has(p)) problems.push(`the Dockerfile does not EXPOSE ${p} (${name}'s ${k})`);
      }
    }
    for (const e of exposed) if (!wanted.has(e)) problems.push(`${name} exposes ${e}, which no setting listens on`);
    for (const p of s.ports ?? []) {
      const t = containerPort(p);
      if (t === undefined || !wanted.has(t)) problems.push(`${name} publishes ${JSON.stringify(p)}, whose container port no setting listens on`);
    }
    if (!(s.ports ?? []).some((p) => containerPort(p) === ports.HTTP_ADDR)) problems.push(`${name} does not publish its HTTP port ${ports.HTTP_ADDR}`);
  }
  for (const p of imageExposes) if (!nodeServices(c).some(([, s]) => (s.expose ?? []).map((e) => Number(String(e).split('/')[0])).includes(p))) problems.push(`the Dockerfile exposes ${p}, which no node exposes`);
  return problems;
}

export function volumeProblems(c: Compose): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const [name, s] of nodeServices(c)) {
    const dataDir = envOf(s).get('DATA_DIR');
    const mounts = (s.volumes ?? []).map((v) => (typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v));
    const data = mounts.find((m) => m.target === dataDir);
    if (data?.source === undefined) {
      problems.push(`${name} mounts nothing at its DATA_DIR ${dataDir}`);
      continue;
    }
    if (!(data.source in (c.volumes ?? {}))) problems.push(`${name}'s ${dataDir} is ${data.source}, not a named volume`);
    const other = seen.get(data.source);
    if (other !== undefined) problems.push(`${name} and ${other} share the volume ${data.source}: each node's log is its own`);
    seen.set(data.source, name);
  }
  return problems;
}

/** HAProxy's service mounts `cfgPath` (already resolved against the compose file's folder by the caller). */
export function haproxyProblems(c: Compose, resolveSource: (source: string) => string, cfgPath: string): string[] {
  const entry = Object.entries(c.services ?? {}).find(([, s]) => typeof s.image === 'string' && s.image.startsWith('haproxy:'));
  if (entry === undefined) return ['no HAProxy service (image haproxy:…)'];
  const [name, s] = entry;
  const problems: string[] = [];
  const mounts = (s.volumes ?? []).map((v) => (typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v));
  const cfg = mounts.find((m) => m.target === '/usr/local/etc/haproxy/haproxy.cfg');
  if (cfg?.source === undefined || resolveSource(cfg.source) !== cfgPath) problems.push(`${name} does not mount ${cfgPath} at /usr/local/etc/haproxy/haproxy.cfg`);
  const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
  for (const [n] of nodeServices(c)) if (!deps.includes(n)) problems.push(`${name} does not depend on ${n}`);
  return problems;
}

export function drainProblems(c: Compose): string[] {
  const problems: string[] = [];
  for (const [name, s] of nodeServices(c)) {
    // 30 s is the server's default DRAIN_DEADLINE_MS.
    const deadline = Number(envOf(s).get('DRAIN_DEADLINE_MS') ?? 30_000);
    const grace = durationMs(s.stop_grace_period);
    if (grace === undefined || grace <= deadline) problems.push(`${name}'s stop_grace_period ${s.stop_grace_period} is not longer than DRAIN_DEADLINE_MS ${deadline}: Docker would kill the drain`);
    if (s.restart !== 'unless-stopped' && s.restart !== 'always') problems.push(`${name} restarts "${s.restart}": a drained node exits 0 and would stay down`);
    if (s['stop_signal'] !== undefined && s['stop_signal'] !== 'SIGTERM') problems.push(`${name} stops with ${String(s['stop_signal'])}, which does not drain`);
  }
  return problems;
}

export function healthProblems(c: Compose): string[] {
  const problems: string[] = [];
  for (const [name, s] of Object.entries(c.services ?? {})) {
    const test = s.healthcheck?.test;
    if (test === undefined || s.healthcheck?.disable === true) problems.push(`${name} has no healthcheck`);
    const words = Array.isArray(test) ? test.join(' ') : (test ?? '');
    if (nodeServices(c).some(([n]) => n === name) && !/healthcheck\.mjs|\/health\/live/.test(words)) problems.push(`${name}'s healthcheck is not liveness (/health/live): ${words}`);
  }
  return problems;
}

/** The nodes believe X-Forwarded-For from HAProxy's fixed address only, inside the network's subnet. */
export function proxyProblems(c: Compose): string[] {
  const problems: string[] = [];
  const haproxy = Object.entries(c.services ?? {}).find(([, s]) => typeof s.image === 'string' && s.image.startsWith('haproxy:'));
  const nets = (haproxy?.[1]['networks'] ?? {}) as Record<string, { ipv4_address?: string } | null>;
  const address = Object.values(nets).find((n) => n?.ipv4_address !== undefined)?.ipv4_address;
  if (address === undefined) return ['HAProxy has no fixed address for the nodes to trust'];
  const subnets = Object.values(c.networks ?? {}).flatMap((n) => (n?.ipam?.config ?? []).map((x) => x.subnet ?? ''));
  if (!subnets.some((s) => inSubnet(address, s))) problems.push(`HAProxy's address ${address} is in none of the networks' subnets (${subnets.join(', ') || 'none'})`);
  for (const [name, s] of nodeServices(c)) {
    const trusted = (envOf(s).get('TRUST_PROXY') ?? '').split(',').map((x) => x.trim()).filter(Boolean);
    if (trusted.length !== 1 || trusted[0] !== address) problems.push(`${name} trusts X-Forwarded-For from ${trusted.join(', ') || 'nobody'}, not from HAProxy alone (${address})`);
  }
  return problems;
}

function inSubnet(address: string, subnet: string): boolean {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(subnet);
  if (m === null) return false;
  const n = (a: string): number => a.split('.').reduce((acc, x) => acc * 256 + Number(x), 0);
  const block = 2 ** (32 - Number(m[2]));
  return Math.floor(n(address) / block) === Math.floor(n(m[1]!) / block);
}
