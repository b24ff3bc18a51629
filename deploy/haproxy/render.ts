/**
 * HAProxy's configuration for a Rookery cluster of any size, made in one place: the committed
 * deploy/haproxy/haproxy.cfg (three nodes, as docker-compose.yml names them) is this function's
 * output, and the tests run real HAProxy on what it renders for their own loopback ports.
 */
export interface HaproxyNode {
  id: string;
  /** Where HAProxy reaches the node's HTTP and Socket.IO port, host:port. */
  http: string;
  /** The node's agent-check port (AGENT_PORT), on the same host. */
  agentPort: number;
}

export interface HaproxyOptions {
  nodes: readonly HaproxyNode[];
  /** The one frontend for clients, e.g. `:8080` or `127.0.0.1:18080`. */
  bind: string;
  /** The stats page, e.g. `:8404`. */
  statsBind: string;
  /** The runtime API's unix socket (`show servers state`, `set server … state drain`). */
  runtimeSocket: string;
  /** Health checks of the nodes backend, ms (agent checks follow it). */
  checkIntervalMs?: number;
  /** Health checks of the leader backend, ms: kept short, a leader change must reach writes fast. */
  leaderCheckIntervalMs?: number;
  /** Where HAProxy logs: `stdout` in a container, or none. */
  log?: 'stdout' | 'none';
  /**
   * A DNS server to resolve node names with at run time (Docker's is 127.0.0.11:53): HAProxy
   * then starts even while a node's name does not resolve yet, and follows a node whose
   * address changes when its container is replaced.
   */
  resolver?: string;
  /**
   * The address HAProxy connects to the nodes from, when it must be told apart from clients on
   * the same host (the nodes' TRUST_PROXY names it).
   */
  source?: string;
  /** Connections at once (each takes two descriptors: HAProxy must be allowed 2× this many). */
  maxconn?: number;
}

export function renderHaproxyConfig(o: HaproxyOptions): string {
  const inter = o.checkIntervalMs ?? 1000;
  const leaderInter = o.leaderCheckIntervalMs ?? 250;
  const dns = o.resolver !== undefined ? ' resolvers dns init-addr last,libc,none' : '';
  const servers = (extra: (n: HaproxyNode) => string): string => o.nodes.map((n) => `  server ${n.id} ${n.http} ${extra(n)}`).join('\n');
  return `# Rookery behind HAProxy: rendered by deploy/haproxy/render.ts (${o.nodes.length} nodes). Do not edit by hand.
global
${o.log === 'stdout' ? '  log stdout format raw local0 info\n' : ''}  maxconn ${o.maxconn ?? 20000}
  # The runtime API: operators and tools read server states here and may set them.
  stats socket ${o.runtimeSocket} mode 600 level admin
  stats timeout 30s
${o.resolver !== undefined ? `\nresolvers dns\n  nameserver dns ${o.resolver}\n  hold valid 5s\n` : ''}
defaults
  mode http
${o.log === 'stdout' ? '  log global\n  option httplog\n' : ''}  # The client's address for the nodes' per-IP limits (they believe it from TRUST_PROXY only).
  option forwardfor
${o.source !== undefined ? `  source ${o.source}\n` : ''}  option dontlognull
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout http-request 10s
  timeout http-keep-alive 10s
  # A websocket is a tunnel once upgraded. Socket.IO pings every 25 s and gives up after 20 s
  # more, so a tunnel quiet for an hour is dead by Socket.IO's own reckoning long before.
  timeout tunnel 1h
  timeout client-fin 5s

frontend rookery
  bind ${o.bind}
  # The admin API is for operators on the nodes' own ports, never for the public frontend.
  http-request deny deny_status 403 if { path_beg /api/admin }
  acl api_write method POST PUT DELETE PATCH
  acl api path_beg /api/
  # Writes go to the leader (a follower would only forward them); everything else, sockets
  # included, to any ready node.
  use_backend leader if api api_write
  default_backend nodes

backend nodes
  balance leastconn
  option httpchk GET /health/ready
  http-check expect status 200
  # Socket.IO's long-polling fallback (and its upgrade to a websocket) needs every request of a
  # session on the same node: the cookie keeps them there. A draining node is in maintenance
  # (its agent says so), where HAProxy honours no cookie: a client told \`server:draining\`
  # reconnects to another node.
  cookie rookery insert indirect nocache httponly
  option redispatch
  retries 2
  # The agent lets a node take itself out at once: \`drain\` (no new sessions) once it is asked
  # to restart and waits for its slot, \`maint\` (no new traffic at all) while it drains.
  default-server check inter ${inter} fall 2 rise 2 agent-check agent-inter ${inter}${dns}
${servers((n) => `cookie ${n.id} agent-port ${n.agentPort}`)}

backend leader
  option httpchk GET /health/leader
  http-check expect status 200
  # Writes carry request ids (the state machine answers a retry with its first result), so a
  # write may be retried on another server: to the new leader after a leader change.
  retry-on conn-failure empty-response response-timeout 503
  retries 3
  option redispatch 1
  default-server check inter ${leaderInter} fastinter ${leaderInter} downinter ${leaderInter} fall 1 rise 1 on-marked-down shutdown-sessions${dns}
${servers(() => '')}

listen stats
  bind ${o.statsBind}
  stats enable
  stats uri /
  stats refresh 5s
  stats show-legends
`.replace(/ +$/gm, '');
}

/** The committed configuration: the three nodes of docker-compose.yml. */
export function composeHaproxyConfig(): string {
  return renderHaproxyConfig({
    nodes: ['n1', 'n2', 'n3'].map((id) => ({ id, http: `${id}:8001`, agentPort: 8081 })),
    bind: ':8080',
    statsBind: ':8404',
    runtimeSocket: '/var/run/haproxy/admin.sock',
    log: 'stdout',
    resolver: '127.0.0.11:53',
    maxconn: 20000,
  });
}
