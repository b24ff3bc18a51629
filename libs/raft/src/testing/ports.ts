import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Where freePort looks: below the kernel's ephemeral range. A port handed out is closed again
 * until the process that is to listen on it starts, and a port from the ephemeral range can be
 * taken meanwhile as the source port of any outgoing connection — the starting nodes' own dials
 * to each other included (a node then exits with EADDRINUSE). Below the range, only a listener
 * can take it.
 */
const LOWEST = 20_000;
function ephemeralStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > LOWEST + 1000 ? first : 32_768;
  } catch {
    return 32_768;
  }
}
const BELOW = ephemeralStart();
/** Ports this process has handed out: never twice. */
const handedOut = new Set<number>();

function listens(port: number): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A loopback TCP port free right now (for processes that must know each other's ports up front). */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = LOWEST + Math.floor(Math.random() * (BELOW - LOWEST));
    if (handedOut.has(port) || !(await listens(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`freePort: no free loopback port in [${LOWEST}, ${BELOW}) after 200 tries`);
}
