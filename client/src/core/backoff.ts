/**
 * Reconnect delays: exponential with jitter, so that the clients of a node that just went away
 * do not all arrive at the next one in the same instant. Attempt 0 waits 100-200 ms, each further
 * attempt doubles the ceiling up to `maxMs`; the delay is drawn from the upper half of the ceiling
 * (never zero, never more than the ceiling). `random` returns [0, 1).
 */
export function backoffDelay(attempt: number, random: () => number, baseMs = 200, maxMs = 8000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** A draining node names when to come back; spread the clients over a window around it. */
export function drainDelay(reconnectInMs: number, random: () => number): number {
  const base = Math.max(0, Math.min(reconnectInMs, 5000));
  return Math.round(base / 2 + random() * base);
}
