import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_SEATS, randomId, SessionStore, type KeyValueStore } from './session';

// What a browser keeps between visits: its session and the seat tokens it holds.

const SESSION_KEY = 'rookery.session';
const SEATS_KEY = 'rookery.seats';

class MapStore implements KeyValueStore {
  readonly map = new Map<string, string>();
  constructor(entries: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(entries)) this.map.set(k, v);
  }
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
}

/** A byte source that records what it was asked for; its bytes include the ones base64 writes as `+` and `/`. */
function bytesSource(): { bytes: (n: number) => Uint8Array; asked: number[] } {
  const asked: number[] = [];
  let k = 0;
  const bytes = (n: number): Uint8Array => {
    asked.push(n);
    return Uint8Array.from({ length: n }, () => (0xf8 + k++) & 0xff);
  };
  return { bytes, asked };
}

const VALID = 'AbCdEfGhIjKlMnOpQrStUv'; // 22 characters

describe('randomId', () => {
  it('16 bytes become 22 base64url characters that decode back to them', () => {
    const b = Uint8Array.from([0xfb, 0xff, 0xbf, 0xfe, 0, 1, 2, 3, 250, 251, 252, 253, 254, 255, 62, 63]);
    const id = randomId(() => b);
    assert.equal(id.length, 22);
    assert.match(id, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(Buffer.from(id, 'base64url'), Buffer.from(b));
  });

  const lengths: [bytes: number, chars: number][] = [
    [12, 16],
    [16, 22],
    [32, 43],
  ];
  for (const [n, chars] of lengths) {
    it(`${n} bytes → ${chars} characters, no padding`, () => {
      const { bytes, asked } = bytesSource();
      const id = randomId(bytes, n);
      assert.deepEqual(asked, [n]);
      assert.equal(id.length, chars);
      assert.match(id, /^[A-Za-z0-9_-]+$/);
    });
  }
});

describe('SessionStore: the session', () => {
  it('a new browser gets 128 random bits, stored for its next visit', () => {
    const store = new MapStore();
    const { bytes, asked } = bytesSource();
    const s = new SessionStore(store, bytes);
    assert.deepEqual(asked, [16]);
    assert.match(s.session, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(store.getItem(SESSION_KEY), s.session);
    assert.equal(new SessionStore(store, bytesSource().bytes).session, s.session, 'the next visit keeps it');
  });

  const kept: [name: string, stored: string][] = [
    ['22 characters', VALID],
    ['64 characters', 'a'.repeat(64)],
    ['with - and _', '-_'.repeat(11)],
  ];
  for (const [name, stored] of kept) {
    it(`keeps a valid stored session (${name})`, () => {
      const store = new MapStore({ [SESSION_KEY]: stored });
      const { bytes, asked } = bytesSource();
      assert.equal(new SessionStore(store, bytes).session, stored);
      assert.deepEqual(asked, [], 'no fresh randomness spent');
      assert.equal(store.getItem(SESSION_KEY), stored);
    });
  }

  const replaced: [name: string, stored: string][] = [
    ['empty', ''],
    ['too short (21)', VALID.slice(1)],
    ['too long (65)', 'a'.repeat(65)],
    ['with standard base64 characters', VALID.slice(2) + '+/=='],
    ['with a space', VALID.slice(1) + ' '],
    ['JSON', '{"session":"x"}'],
  ];
  for (const [name, stored] of replaced) {
    it(`replaces a malformed stored session (${name})`, () => {
      const store = new MapStore({ [SESSION_KEY]: stored });
      const s = new SessionStore(store, bytesSource().bytes);
      assert.notEqual(s.session, stored);
      assert.match(s.session, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(store.getItem(SESSION_KEY), s.session);
    });
  }

  it('each request id is fresh: 12 bytes, 16 characters', () => {
    const { bytes, asked } = bytesSource();
    const s = new SessionStore(new MapStore({ [SESSION_KEY]: VALID }), bytes);
    const a = s.requestId();
    const b = s.requestId();
    assert.deepEqual(asked, [12, 12]);
    assert.match(a, /^[A-Za-z0-9_-]{16}$/);
    assert.notEqual(a, b);
  });
});

describe('SessionStore: seats', () => {
  const fresh = (seats?: string): { s: SessionStore; store: MapStore } => {
    const store = new MapStore({ [SESSION_KEY]: VALID, ...(seats === undefined ? {} : { [SEATS_KEY]: seats }) });
    return { s: new SessionStore(store, bytesSource().bytes), store };
  };

  it('a kept seat comes back, in this store and in the next one over the same storage', () => {
    const { s, store } = fresh();
    s.keepSeat('g1', 'tok-white-0000000001', 'white', 1_000);
    s.keepSeat('g2', 'tok-black-0000000002', 'black', 2_000);
    assert.deepEqual(s.seat('g1'), { token: 'tok-white-0000000001', color: 'white', at: 1_000 });
    const again = new SessionStore(store, bytesSource().bytes);
    assert.deepEqual({ ...again.seats() }, {
      g1: { token: 'tok-white-0000000001', color: 'white', at: 1_000 },
      g2: { token: 'tok-black-0000000002', color: 'black', at: 2_000 },
    });
    assert.deepEqual({ ...again.tokens() }, { g1: 'tok-white-0000000001', g2: 'tok-black-0000000002' });
  });

  it('keeping a seat of the same game again replaces it', () => {
    const { s } = fresh();
    s.keepSeat('g1', 'old-token-0000000001', 'white', 1_000);
    s.keepSeat('g1', 'new-token-0000000002', 'black', 2_000);
    assert.deepEqual({ ...s.seats() }, { g1: { token: 'new-token-0000000002', color: 'black', at: 2_000 } });
  });

  it('a game never kept has no seat', () => {
    assert.equal(fresh().s.seat('g9'), undefined);
  });

  it('a game named like a member of Object.prototype has no seat either, until one is kept', () => {
    const { s } = fresh();
    for (const g of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) assert.equal(s.seat(g), undefined, g);
    s.keepSeat('__proto__', 'tok-proto-0000000001', 'white', 1);
    assert.deepEqual(s.seat('__proto__'), { token: 'tok-proto-0000000001', color: 'white', at: 1 });
    assert.deepEqual(Object.keys(s.tokens()), ['__proto__']);
  });

  it(`past MAX_SEATS (${MAX_SEATS}) the oldest seats are forgotten, the newest kept`, () => {
    const { s } = fresh();
    // Kept out of time order: eviction goes by `at`, not by when keepSeat was called.
    const ats = Array.from({ length: MAX_SEATS + 5 }, (_, i) => ((i * 37) % (MAX_SEATS + 5)) * 10);
    for (const at of ats) s.keepSeat(`g${at}`, `token-${String(at).padStart(14, '0')}`, 'white', at);
    const held = s.seats();
    assert.equal(Object.keys(held).length, MAX_SEATS);
    const kept = Object.values(held).map((x) => x.at).sort((a, b) => a - b);
    assert.deepEqual(kept, Array.from({ length: MAX_SEATS }, (_, i) => (i + 5) * 10));
  });

  it('a seat older than all MAX_SEATS held is not kept', () => {
    const { s } = fresh();
    for (let i = 1; i <= MAX_SEATS; i++) s.keepSeat(`g${i}`, `token-${String(i).padStart(14, '0')}`, 'black', 1_000 + i);
    s.keepSeat('old', 'token-old-000000000', 'white', 5);
    assert.equal(s.seat('old'), undefined);
    assert.equal(Object.keys(s.seats()).length, MAX_SEATS);
  });

  const corrupt: [name: string, stored: string][] = [
    ['not JSON', '{"g1": {"token": '],
    ['null', 'null'],
    ['an array', '[{"token":"t","color":"white","at":1}]'],
    ['a string', '"g1"'],
    ['a number', '42'],
  ];
  for (const [name, stored] of corrupt) {
    it(`corrupt seat storage (${name}) reads as no seats, and can be written over`, () => {
      const { s } = fresh(stored);
      assert.deepEqual({ ...s.seats() }, {});
      assert.deepEqual({ ...s.tokens() }, {});
      s.keepSeat('g1', 'tok-white-0000000001', 'white', 1);
      assert.deepEqual({ ...s.tokens() }, { g1: 'tok-white-0000000001' });
    });
  }

  it('malformed entries are skipped, well-formed ones kept', () => {
    const stored = JSON.stringify({
      ok: { token: 'tok-good-00000000001', color: 'black', at: 5 },
      noToken: { color: 'white', at: 1 },
      numToken: { token: 7, color: 'white', at: 1 },
      badColor: { token: 'tok-x-0000000000001', color: 'red', at: 1 },
      noAt: { token: 'tok-x-0000000000002', color: 'white' },
      strAt: { token: 'tok-x-0000000000003', color: 'white', at: '1' },
      nul: null,
      str: 'tok',
    });
    const { s } = fresh(stored);
    assert.deepEqual({ ...s.seats() }, { ok: { token: 'tok-good-00000000001', color: 'black', at: 5 } });
    assert.deepEqual({ ...s.tokens() }, { ok: 'tok-good-00000000001' });
  });
});
