import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { LOG_VERSION } from './chess/entry';
import { ConfigError, loadConfig, type ServerConfig } from './config';

/**
 * loadConfig(argv, env): flags and environment variables (flags win), checked at once — every
 * problem in one ConfigError, each naming the flag and the variable.
 */

const FLAGS = ['--id', 'n1', '--http', '127.0.0.1:8001', '--raft', '127.0.0.1:7001', '--data', '/var/lib/rookery/n1', '--secret', 'cluster-secret'];
const ENV = { NODE_ID: 'n2', HTTP_ADDR: '0.0.0.0:9002', RAFT_ADDR: '0.0.0.0:9102', DATA_DIR: '/data/n2', RAFT_SECRET: 'env-secret-42' };

/** The problems loadConfig reports, or a failure when it accepts the input. */
function problems(argv: readonly string[], env: Record<string, string | undefined> = {}): string[] {
  try {
    loadConfig(argv, env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`);
    return e.problems;
  }
  assert.fail(`accepted ${JSON.stringify(argv)} ${JSON.stringify(env)}`);
}

/** Asserts exactly one problem, matching `pattern`. */
function oneProblem(argv: readonly string[], pattern: RegExp, env: Record<string, string | undefined> = {}): void {
  const p = problems(argv, env);
  assert.equal(p.length, 1, `expected one problem for ${JSON.stringify(argv)}, got:\n${p.join('\n')}`);
  assert.match(p[0]!, pattern);
}

/** FLAGS with `flag` set to `value` (or removed when value is undefined). */
function withFlag(flag: string, value: string | undefined): string[] {
  const out: string[] = [];
  for (let i = 0; i < FLAGS.length; i += 2) if (FLAGS[i] !== flag) out.push(FLAGS[i]!, FLAGS[i + 1]!);
  if (value !== undefined) out.push(flag, value);
  return out;
}

describe('loadConfig', () => {
  it('reads the required flags and fills in every default', () => {
    const c = loadConfig(FLAGS, {});
    const expected: ServerConfig = {
      nodeId: 'n1',
      http: { host: '127.0.0.1', port: 8001 },
      raft: { host: '127.0.0.1', port: 7001 },
      advertise: undefined,
      // Without --peers a node founds a cluster of itself.
      peers: new Map([['n1', { host: '127.0.0.1', port: 7001 }]]),
      join: undefined,
      dataDir: '/var/lib/rookery/n1',
      secret: 'cluster-secret',
      adminToken: undefined,
      tickMs: 50,
      proposalTimeoutMs: 5000,
      clientDir: undefined,
      // No client nodes: a browser client stays on the origin that served it (behind a load balancer).
      clientNodes: [],
      moveRateLimit: 100,
      commandRateLimit: 60,
      ipRateLimit: 1000,
      // No proxy believed: a per-IP limit counts the peer's address.
      trustProxy: [],
      maxConnectionsPerIp: 50,
      // Longer than HAProxy (or a cloud load balancer) keeps an idle connection to the node: it, not the node, closes it.
      httpKeepAliveMs: 65_000,
      drainGraceMs: 5000,
      drainDeadlineMs: 30_000,
      // No agent, no Redis: HAProxy goes by /health/ready alone, restarts take no slot.
      agentPort: undefined,
      redisUrl: undefined,
      restartSlotTtlMs: 120_000,
      desiredMembers: 0,
      // This build's own: the cluster's log rises to it once every member reads it.
      logVersion: LOG_VERSION,
      removeUnreachableAfterMs: 0,
      snapshotEvery: 100_000,
      snapshotLogPercent: 100,
      snapshotTrailingEntries: 5000,
      // A factor of 4 between full collections (heap.ts).
      heapGrowthPercent: 300,
      // One write thread beside the event loop where there is a second CPU for it, none otherwise.
      fanoutThreads: availableParallelism() >= 2 ? 1 : 0,
      logLevel: 'info',
    };
    assert.deepEqual(c, expected);
  });

  it('reads everything from the environment alone', () => {
    const c = loadConfig([], {
      ...ENV,
      RAFT_ADVERTISE: '10.0.0.2:9102',
      RAFT_PEERS: 'n1@10.0.0.1:9101,n2@10.0.0.2:9102,n3@10.0.0.3:9103',
      ADMIN_TOKEN: 'admin',
      TICK_MS: '75',
      PROPOSAL_TIMEOUT_MS: '2000',
      CLIENT_DIR: '/srv/client',
      CLIENT_NODES: 'https://n1.example,https://n2.example:8443',
      MOVE_RATE_LIMIT: '10',
      COMMAND_RATE_LIMIT: '20',
      IP_RATE_LIMIT: '30',
      MAX_CONNECTIONS_PER_IP: '40',
      DRAIN_GRACE_MS: '0',
      LOG_LEVEL: 'debug',
    });
    assert.equal(c.nodeId, 'n2');
    assert.deepEqual(c.http, { host: '0.0.0.0', port: 9002 });
    assert.deepEqual(c.raft, { host: '0.0.0.0', port: 9102 });
    assert.deepEqual(c.advertise, { host: '10.0.0.2', port: 9102 });
    assert.deepEqual([...c.peers.keys()], ['n1', 'n2', 'n3']);
    assert.deepEqual(c.peers.get('n3'), { host: '10.0.0.3', port: 9103 });
    assert.equal(c.dataDir, '/data/n2');
    assert.equal(c.secret, 'env-secret-42');
    assert.equal(c.adminToken, 'admin');
    assert.equal(c.clientDir, '/srv/client');
    assert.deepEqual(c.clientNodes, ['https://n1.example', 'https://n2.example:8443']);
    assert.deepEqual(
      [c.tickMs, c.proposalTimeoutMs, c.moveRateLimit, c.commandRateLimit, c.ipRateLimit, c.maxConnectionsPerIp, c.drainGraceMs, c.logLevel],
      [75, 2000, 10, 20, 30, 40, 0, 'debug'],
    );
  });

  it('lets every flag win over its environment variable, in both --flag value and --flag=value forms', () => {
    const pairs: [string, string, string, (c: ServerConfig) => unknown, unknown][] = [
      ['--id', 'NODE_ID', 'from-env', (c) => c.nodeId, 'n1'],
      ['--http', 'HTTP_ADDR', 'env:1', (c) => c.http, { host: '127.0.0.1', port: 8001 }],
      ['--raft', 'RAFT_ADDR', 'env:2', (c) => c.raft, { host: '127.0.0.1', port: 7001 }],
      ['--data', 'DATA_DIR', '/env', (c) => c.dataDir, '/var/lib/rookery/n1'],
      ['--secret', 'RAFT_SECRET', 'env-secret', (c) => c.secret, 'cluster-secret'],
    ];
    for (const [flag, variable, envValue, read, want] of pairs) {
      assert.deepEqual(read(loadConfig(FLAGS, { ...ENV, [variable]: envValue })), want, `${flag} over ${variable}`);
    }
    const optional: [string, string, string, string, (c: ServerConfig) => unknown, unknown][] = [
      ['--advertise', 'RAFT_ADVERTISE', 'env:3', 'flag.example:7001', (c) => c.advertise, { host: 'flag.example', port: 7001 }],
      ['--peers', 'RAFT_PEERS', 'x@env:4', 'n1@h1:1,n2@h2:2', (c) => [...c.peers.keys()], ['n1', 'n2']],
      ['--admin-token', 'ADMIN_TOKEN', 'env-admin', 'flag-admin', (c) => c.adminToken, 'flag-admin'],
      ['--tick-ms', 'TICK_MS', '7', '25', (c) => c.tickMs, 25],
      ['--proposal-timeout-ms', 'PROPOSAL_TIMEOUT_MS', '900', '1500', (c) => c.proposalTimeoutMs, 1500],
      ['--client-dir', 'CLIENT_DIR', '/env-client', '/flag-client', (c) => c.clientDir, '/flag-client'],
      ['--client-nodes', 'CLIENT_NODES', 'http://env:1', 'http://flag:2', (c) => c.clientNodes, ['http://flag:2']],
      ['--move-rate', 'MOVE_RATE_LIMIT', '1', '2', (c) => c.moveRateLimit, 2],
      ['--command-rate', 'COMMAND_RATE_LIMIT', '3', '4', (c) => c.commandRateLimit, 4],
      ['--ip-rate', 'IP_RATE_LIMIT', '5', '6', (c) => c.ipRateLimit, 6],
      ['--max-connections-per-ip', 'MAX_CONNECTIONS_PER_IP', '7', '8', (c) => c.maxConnectionsPerIp, 8],
      ['--drain-grace-ms', 'DRAIN_GRACE_MS', '9', '10', (c) => c.drainGraceMs, 10],
      ['--log-level', 'LOG_LEVEL', 'error', 'warn', (c) => c.logLevel, 'warn'],
    ];
    for (const [flag, variable, envValue, flagValue, read, want] of optional) {
      const env = { [variable]: envValue };
      assert.deepEqual(read(loadConfig([...FLAGS, flag, flagValue], env)), want, `${flag} ${flagValue} over ${variable}=${envValue}`);
      assert.deepEqual(read(loadConfig([...FLAGS, `${flag}=${flagValue}`], env)), want, `${flag}=${flagValue} over ${variable}=${envValue}`);
    }
    // An invalid variable does not matter when its flag is given.
    assert.equal(loadConfig([...FLAGS, '--tick-ms', '20'], { TICK_MS: 'not a number' }).tickMs, 20);
  });

  it('treats an empty environment variable as unset', () => {
    assert.equal(loadConfig(FLAGS, { TICK_MS: '', LOG_LEVEL: '', ADMIN_TOKEN: '' }).tickMs, 50);
    assert.equal(loadConfig(FLAGS, { ADMIN_TOKEN: '' }).adminToken, undefined);
    const p = problems([], { ...ENV, RAFT_SECRET: '' });
    assert.equal(p.length, 1);
    assert.match(p[0]!, /^--secret \/ RAFT_SECRET .* is required$/);
  });

  it('lists every problem at once in one ConfigError, each naming its flag and variable', () => {
    let error: unknown;
    try {
      loadConfig(['stray', '--nope', 'x', '--raft', 'no-port', '--secret', 'short', '--tick-ms', '0', '--log-level', 'loud', '--join', 'ftp://x', '--peers', 'n9@h:1', '--move-rate'], {});
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof ConfigError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ConfigError');
    const p = error.problems;
    const expect: RegExp[] = [
      /^unexpected argument stray$/,
      /^unknown flag --nope$/,
      /^unexpected argument x$/,
      /^--move-rate needs a value$/,
      /^--id \/ NODE_ID .* is required$/,
      /^--http \/ HTTP_ADDR .* is required$/,
      /^--raft \/ RAFT_ADDR .*: "no-port" is not host:port$/,
      /^--secret \/ RAFT_SECRET .* must be at least 8 characters$/,
      /^--join \/ RAFT_JOIN .*: "ftp:\/\/x" is not an http\(s\) URL$/,
      /^--join \/ RAFT_JOIN .* needs --admin-token \/ ADMIN_TOKEN /,
      /^--log-level \/ LOG_LEVEL .*: "loud"$/,
      /^--data \/ DATA_DIR .* is required$/,
      /^--tick-ms \/ TICK_MS .*: "0" is not an integer from 1 to 10000$/,
    ];
    for (const re of expect) assert.ok(p.some((x) => re.test(x)), `no problem matches ${re}:\n${p.join('\n')}`);
    // The message lists them all, one per line.
    for (const x of p) assert.ok(error.message.includes(`\n  ${x}`), `the message lacks ${x}`);
    assert.ok(error.message.startsWith('invalid configuration:\n'));
  });

  it('requires --id, --http, --raft, --secret and --data', () => {
    const p = problems([], {});
    for (const [flag, variable] of [
      ['id', 'NODE_ID'],
      ['http', 'HTTP_ADDR'],
      ['raft', 'RAFT_ADDR'],
      ['secret', 'RAFT_SECRET'],
      ['data', 'DATA_DIR'],
    ]) {
      assert.ok(p.some((x) => x.startsWith(`--${flag} / ${variable} (`) && x.endsWith(' is required')), `no "required" for --${flag}:\n${p.join('\n')}`);
    }
    for (const flag of ['--id', '--http', '--raft', '--secret', '--data']) {
      const q = problems(withFlag(flag, undefined));
      assert.ok(q.length >= 1 && q.some((x) => x.startsWith(`${flag} / `) && x.endsWith('is required')), `without ${flag}: ${q.join('\n')}`);
      // Only that flag (and what derives from it) is missing.
      for (const x of q) assert.ok(x.startsWith(`${flag} / `) || (flag === '--raft' && x.startsWith('--peers')) || (flag === '--id' && x.startsWith('--peers')), `without ${flag}: unrelated problem ${x}`);
    }
  });

  it('refuses a bad host:port for --http, --raft, --advertise and in --peers', () => {
    const bad = ['no-port', ':8001', 'host:', 'host:65536', 'host:-1', 'host:80.5', 'host:eighty', 'host:1:x'];
    for (const v of bad.filter((b) => b !== 'host:')) {
      oneProblem(withFlag('--http', v), new RegExp(`^--http / HTTP_ADDR .*: ${JSON.stringify(v).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not host:port$`));
      oneProblem([...FLAGS, '--advertise', v, '--peers', 'n1@h1:1'], /^--advertise \/ RAFT_ADVERTISE .* is not host:port$/);
    }
    // Without --peers, --advertise also makes the default peers, which are then reported too.
    const advertised = problems([...FLAGS, '--advertise', 'no-port']);
    assert.ok(advertised.some((x) => /^--advertise \/ RAFT_ADVERTISE .*: "no-port" is not host:port$/.test(x)), advertised.join('\n'));
    // --raft also feeds the default peers: its problem comes with one about them.
    const raft = problems(withFlag('--raft', 'no-port'));
    assert.ok(raft.some((x) => /^--raft \/ RAFT_ADDR .*: "no-port" is not host:port$/.test(x)), raft.join('\n'));
    for (const v of ['n1', 'n1@', '@h:1', 'n1@h', 'n1@h:99999', 'n1@:1']) {
      const p = problems([...FLAGS, '--peers', `${v},n2@h2:2`]);
      assert.ok(p.some((x) => x.includes(`${JSON.stringify(v)} is not id@host:port`)), `--peers ${v}: ${p.join('\n')}`);
    }
    // The extremes are fine; the last colon separates the port.
    assert.deepEqual(loadConfig(withFlag('--http', 'h:0'), {}).http, { host: 'h', port: 0 });
    assert.deepEqual(loadConfig(withFlag('--http', 'h:65535'), {}).http, { host: 'h', port: 65535 });
    assert.deepEqual(loadConfig(withFlag('--http', 'a:b:80'), {}).http, { host: 'a:b', port: 80 });
  });

  it('requires the founding peers to include this node (unless it joins)', () => {
    oneProblem([...FLAGS, '--peers', 'n2@h2:2,n3@h3:3'], /^--peers \/ RAFT_PEERS .* must include this node \(n1\)$/);
    const c = loadConfig([...FLAGS, '--peers', 'n1@h1:1,n2@h2:2,n3@h3:3'], {});
    assert.deepEqual([...c.peers], [
      ['n1', { host: 'h1', port: 1 }],
      ['n2', { host: 'h2', port: 2 }],
      ['n3', { host: 'h3', port: 3 }],
    ]);
    // Without --peers the node founds a cluster of itself, at --advertise when given.
    assert.deepEqual([...loadConfig([...FLAGS, '--advertise', 'public:7001'], {}).peers], [['n1', { host: 'public', port: 7001 }]]);
    // Joining: a URL and the admin token to ask with.
    const j = loadConfig([...FLAGS, '--join', 'http://n0:8000', '--admin-token', 'adm'], {});
    assert.equal(j.join, 'http://n0:8000');
    oneProblem([...FLAGS, '--join', 'http://n0:8000'], /^--join \/ RAFT_JOIN .* needs --admin-token \/ ADMIN_TOKEN/);
    oneProblem([...FLAGS, '--join', 'n0:8000', '--admin-token', 'adm'], /^--join \/ RAFT_JOIN .*: "n0:8000" is not an http\(s\) URL$/);
  });

  it('checks the node id, the secret and the log level', () => {
    for (const id of ['n 1', 'n/1', 'x'.repeat(33), 'é']) oneProblem([...withFlag('--id', id), '--peers', `${id}@h:1`], /^--id \/ NODE_ID .* must be 1-32 letters, digits, _ or -$/);
    assert.equal(loadConfig([...withFlag('--id', 'A_b-9'), '--peers', 'A_b-9@h:1'], {}).nodeId, 'A_b-9');
    oneProblem(withFlag('--secret', '1234567'), /^--secret \/ RAFT_SECRET .* must be at least 8 characters$/);
    assert.equal(loadConfig(withFlag('--secret', '12345678'), {}).secret, '12345678');
    for (const level of ['debug', 'info', 'warn', 'error'] as const) assert.equal(loadConfig([...FLAGS, '--log-level', level], {}).logLevel, level);
    for (const level of ['trace', 'INFO', 'fatal']) oneProblem([...FLAGS, '--log-level', level], /^--log-level \/ LOG_LEVEL /);
  });

  it('holds every number to its bounds', () => {
    const bounds: [string, string, number, number, keyof ServerConfig][] = [
      ['--tick-ms', 'TICK_MS', 1, 10_000, 'tickMs'],
      ['--proposal-timeout-ms', 'PROPOSAL_TIMEOUT_MS', 100, 600_000, 'proposalTimeoutMs'],
      ['--move-rate', 'MOVE_RATE_LIMIT', 1, 1_000_000, 'moveRateLimit'],
      ['--command-rate', 'COMMAND_RATE_LIMIT', 1, 1_000_000, 'commandRateLimit'],
      ['--ip-rate', 'IP_RATE_LIMIT', 1, 10_000_000, 'ipRateLimit'],
      ['--max-connections-per-ip', 'MAX_CONNECTIONS_PER_IP', 1, 1_000_000, 'maxConnectionsPerIp'],
      ['--drain-grace-ms', 'DRAIN_GRACE_MS', 0, 600_000, 'drainGraceMs'],
      ['--http-keep-alive-ms', 'HTTP_KEEP_ALIVE_MS', 1000, 3_600_000, 'httpKeepAliveMs'],
      // No higher than the build reads: a server cannot promise to read a log it was not built for.
      ['--log-version', 'LOG_VERSION', 1, LOG_VERSION, 'logVersion'],
      // 0: V8's own choice.
      ['--heap-growth-percent', 'HEAP_GROWTH_PERCENT', 0, 1000, 'heapGrowthPercent'],
      // 0: the event loop writes every broadcast itself.
      ['--fanout-threads', 'FANOUT_THREADS', 0, 8, 'fanoutThreads'],
    ];
    for (const [flag, variable, min, max, key] of bounds) {
      assert.equal(loadConfig([...FLAGS, flag, String(min)], {})[key], min, `${flag} ${min}`);
      assert.equal(loadConfig([...FLAGS, flag, String(max)], {})[key], max, `${flag} ${max}`);
      assert.equal(loadConfig(FLAGS, { [variable]: String(max) })[key], max, `${variable}=${max}`);
      for (const v of [String(min - 1), String(max + 1), '1.5', 'ten', '-', 'Infinity', 'NaN']) {
        const re = new RegExp(`^${flag} / ${variable} \\(.*\\): ${JSON.stringify(v).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not an integer from ${min} to ${max}$`);
        oneProblem([...FLAGS, flag, v], re);
        oneProblem(FLAGS, re, { [variable]: v });
      }
    }
  });

  it('reads --client-nodes as origins, and refuses what a browser could not be sent to', () => {
    const c = loadConfig([...FLAGS, '--client-nodes', 'http://127.0.0.1:8001,HTTP://Node2.Example:8002/,https://n3.example:443,http://[::1]:8004'], {});
    assert.deepEqual(c.clientNodes, ['http://127.0.0.1:8001', 'http://node2.example:8002', 'https://n3.example', 'http://[::1]:8004'], 'as a browser writes Origin');
    for (const v of ['127.0.0.1:8001', 'ws://h:1', 'ftp://h', 'http://h:1/rookery', 'http://h:1/?x', 'http://h:1#top', 'http://user:pw@h:1', 'http://', 'http://h:99999', ' http://h:1']) {
      oneProblem([...FLAGS, '--client-nodes', v], new RegExp(`^--client-nodes / CLIENT_NODES .*: ${JSON.stringify(v).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a base URL like http://host:port`));
    }
    oneProblem([...FLAGS, '--client-nodes', 'http://h:1,http://h:1/'], /^--client-nodes \/ CLIENT_NODES .*: http:\/\/h:1 is listed twice$/);
    oneProblem(FLAGS, /^--client-nodes \/ CLIENT_NODES .*"nope" is not a base URL/, { CLIENT_NODES: 'http://h:1,nope' });
  });

  it('reads a flag given twice as its last value', () => {
    assert.equal(loadConfig([...FLAGS, '--tick-ms', '10', '--tick-ms=20'], {}).tickMs, 20);
  });

  it('keeps everything after the first = of an inline value', () => {
    assert.equal(loadConfig([...withFlag('--secret', undefined), '--secret=abcdefgh=='], {}).secret, 'abcdefgh==');
    assert.equal(loadConfig([...FLAGS, '--join=http://n0:8000/?a=b', '--admin-token=x=y'], {}).join, 'http://n0:8000/?a=b');
  });

  it('refuses empty values for required flags (--secret=, --data=, --id=)', () => {
    assert.ok(problems([...withFlag('--secret', undefined), '--secret=']).some((x) => x.startsWith('--secret / ')));
    assert.ok(problems([...withFlag('--data', undefined), '--data=']).some((x) => x.startsWith('--data / ')));
    assert.ok(problems([...withFlag('--id', undefined), '--id=', '--peers', 'n1@h:1']).some((x) => x.startsWith('--id / ')));
  });

  it('refuses a port that is not written as decimal digits (host:, host:0x50, host: 80)', () => {
    for (const v of ['host:', 'host:0x50', 'host: 80', 'host:1e3']) assert.ok(problems(withFlag('--http', v)).length > 0, `--http ${v} was accepted`);
    assert.ok(problems([...FLAGS, '--drain-grace-ms=']).length > 0, '--drain-grace-ms= was accepted as 0');
  });
});
