#!/usr/bin/env node
// The image's HEALTHCHECK: exit 0 when this container's node answers GET /health/live, 1 when
// not. Liveness only (see deploy/Dockerfile): a node catching up, draining or without a leader is
// alive, and killing it would not help. The slim image has no curl; Node's fetch does the job.
// The port comes from HTTP_ADDR, the variable the node itself reads.
const addr = process.env.HTTP_ADDR || '0.0.0.0:8001';
const colon = addr.lastIndexOf(':');
const port = Number(addr.slice(colon + 1));
const host = addr.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
// A wildcard listens on every interface, loopback included.
const target = host === '' || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

if (colon < 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`healthcheck: HTTP_ADDR ${JSON.stringify(addr)} is not host:port\n`);
  process.exit(1);
}
try {
  const res = await fetch(`http://${target}:${port}/health/live`, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) process.stderr.write(`healthcheck: /health/live answered ${res.status}\n`);
  process.exit(res.ok ? 0 : 1);
} catch (e) {
  process.stderr.write(`healthcheck: /health/live on ${target}:${port} did not answer: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
