import type { Clocks, Color } from '@rookery/protocol';

/**
 * The server's time as seen from here. Each sample (a `clock:sync`'s serverTime, an event's
 * entry time) was taken on the server before it arrived, so `sample - localArrival` is the true
 * offset minus the delay on the way: the largest recent one is the best estimate.
 */
export class ServerTime {
  private samples: number[] = [];

  constructor(private readonly window = 8) {}

  observe(serverTime: number, localNow: number): void {
    this.samples.push(serverTime - localNow);
    if (this.samples.length > this.window) this.samples.shift();
  }

  get known(): boolean {
    return this.samples.length > 0;
  }

  offset(): number {
    return this.samples.length === 0 ? 0 : Math.max(...this.samples);
  }

  now(localNow: number): number {
    return localNow + this.offset();
  }
}

/** Time `color` has left at server time `serverNow`: its clock runs down only while it is the running one. */
export function timeLeft(clocks: Clocks, color: Color, serverNow: number): number {
  const base = clocks[color];
  if (clocks.running !== color) return Math.max(0, base);
  return Math.max(0, base - Math.max(0, serverNow - clocks.at));
}

/** `1:05:09`, `4:59`, `0:09.4` (tenths under 10 seconds, as players expect in a scramble). */
export function formatClock(ms: number): string {
  const t = Math.max(0, ms);
  if (t < 10_000) {
    const tenths = Math.floor(t / 100);
    return `0:0${Math.floor(tenths / 10)}.${tenths % 10}`;
  }
  const total = Math.floor(t / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
