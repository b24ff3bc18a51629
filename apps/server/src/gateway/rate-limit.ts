import { Inject, Injectable } from '@nestjs/common';
import type { ServerConfig } from '../config';
import { CONFIG } from '../tokens';

const WINDOW_MS = 20_000;

interface Window {
  start: number;
  count: number;
}

/**
 * Fixed 20-second windows per connection (moves apart from other commands, as lichess counts
 * play messages) and per client IP over all its connections and HTTP requests. The answer is the reason a
 * request is refused, or undefined.
 */
@Injectable()
export class RateLimiter {
  private readonly perSocket = new Map<string, { move: Window; command: Window }>();
  private readonly perIp = new Map<string, Window>();

  constructor(@Inject(CONFIG) private readonly config: Pick<ServerConfig, 'moveRateLimit' | 'commandRateLimit' | 'ipRateLimit'>) {}

  take(socketId: string, ip: string, kind: 'move' | 'command', now = Date.now()): string | undefined {
    let s = this.perSocket.get(socketId);
    if (s === undefined) {
      s = { move: { start: now, count: 0 }, command: { start: now, count: 0 } };
      this.perSocket.set(socketId, s);
    }
    const limit = kind === 'move' ? this.config.moveRateLimit : this.config.commandRateLimit;
    if (!admit(s[kind], limit, now)) return `more than ${limit} ${kind === 'move' ? 'moves' : 'commands'} in 20 s on this connection`;
    return this.takeIp(ip, now);
  }

  /** The per-IP window alone (HTTP requests have no connection to count). */
  takeIp(ip: string, now = Date.now()): string | undefined {
    let w = this.perIp.get(ip);
    if (w === undefined) {
      w = { start: now, count: 0 };
      this.perIp.set(ip, w);
    }
    if (!admit(w, this.config.ipRateLimit, now)) return `more than ${this.config.ipRateLimit} commands in 20 s from ${ip}`;
    return undefined;
  }

  forget(socketId: string): void {
    this.perSocket.delete(socketId);
    // IP windows are few and small; old ones are dropped as the map is walked now and then.
    if (this.perIp.size > 10_000) {
      const now = Date.now();
      for (const [ip, w] of this.perIp) if (now - w.start > WINDOW_MS) this.perIp.delete(ip);
    }
  }
}

function admit(w: Window, limit: number, now: number): boolean {
  if (now - w.start >= WINDOW_MS) {
    w.start = now;
    w.count = 0;
  }
  if (w.count >= limit) return false;
  w.count++;
  return true;
}
