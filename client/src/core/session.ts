import type { Color } from '@rookery/protocol';

/** The part of the Web Storage API this needs (localStorage in the page, a map in tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface HeldSeat {
  token: string;
  color: Color;
  /** When it was taken (local time): the oldest are forgotten first. */
  at: number;
}

/** The handshake accepts at most 64 seats; a client keeps its newest ones. */
export const MAX_SEATS = 48;
const SESSION_KEY = 'rookery.session';
const SEATS_KEY = 'rookery.seats';

/** 128 random bits, base64url: a session is as good as a password (a seat token derives from it). */
export function randomId(bytes: (n: number) => Uint8Array, n = 16): string {
  const b = bytes(n);
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * What a browser keeps between visits: its session (its identity, with which request ids make
 * commands unique) and the seat tokens it holds, by game.
 */
export class SessionStore {
  readonly session: string;

  constructor(
    private readonly store: KeyValueStore,
    private readonly bytes: (n: number) => Uint8Array,
  ) {
    const kept = store.getItem(SESSION_KEY);
    if (kept !== null && /^[A-Za-z0-9_-]{22,64}$/.test(kept)) this.session = kept;
    else {
      this.session = randomId(bytes);
      store.setItem(SESSION_KEY, this.session);
    }
  }

  /** A fresh request id: one per command, kept across its retries. */
  requestId(): string {
    return randomId(this.bytes, 12);
  }

  seats(): Record<string, HeldSeat> {
    try {
      const raw = JSON.parse(this.store.getItem(SEATS_KEY) ?? '{}') as unknown;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return Object.create(null) as Record<string, HeldSeat>;
      // No prototype: a game id such as "constructor" or "__proto__" is just a key.
      const out: Record<string, HeldSeat> = Object.create(null) as Record<string, HeldSeat>;
      for (const [gameId, v] of Object.entries(raw as Record<string, unknown>)) {
        const s = v as Partial<HeldSeat> | null;
        if (s && typeof s.token === 'string' && (s.color === 'white' || s.color === 'black') && typeof s.at === 'number') out[gameId] = { token: s.token, color: s.color, at: s.at };
      }
      return out;
    } catch {
      return Object.create(null) as Record<string, HeldSeat>;
    }
  }

  seat(gameId: string): HeldSeat | undefined {
    return this.seats()[gameId];
  }

  /** Remembers a seat; past MAX_SEATS the oldest are forgotten. */
  keepSeat(gameId: string, token: string, color: Color, now: number): void {
    const all = this.seats();
    all[gameId] = { token, color, at: now };
    const newest = Object.entries(all)
      .sort((a, b) => b[1].at - a[1].at)
      .slice(0, MAX_SEATS);
    this.store.setItem(SEATS_KEY, JSON.stringify(Object.fromEntries(newest)));
  }

  /** The seats as the handshake takes them (`auth.seats`). */
  tokens(): Record<string, string> {
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [g, s] of Object.entries(this.seats())) out[g] = s.token;
    return out;
  }
}
