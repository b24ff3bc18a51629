import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLinearizable, type Interval, type Model } from './wgl';

/**
 * The search on its own, with the textbook object: a register with write(x) and read() -> x.
 * An op with `complete: Infinity` is one whose outcome is unknown (a write that may or may not
 * have happened).
 */

type RegisterOp = Interval & ({ f: 'write'; value: number; unknown?: boolean } | { f: 'read'; value: number });

function register(ops: readonly RegisterOp[]): Model<number> {
  return {
    init: [0],
    key: (s) => String(s),
    step(s, i) {
      const op = ops[i]!;
      if (op.f === 'read') return op.value === s ? [s] : [];
      return op.unknown ? [op.value, s] : [op.value];
    },
  };
}

const check = (ops: RegisterOp[], budget?: number) => checkLinearizable(ops, register(ops), budget);

describe('linearizability search (WGL) on a register', () => {
  it('accepts a read concurrent with a write seeing either value', () => {
    for (const seen of [0, 1]) {
      const ops: RegisterOp[] = [
        { f: 'write', value: 1, invoke: 0, complete: 10 },
        { f: 'read', value: seen, invoke: 2, complete: 3 },
      ];
      assert.equal(check(ops).result, 'linearizable', `read ${seen}`);
    }
  });

  it('refuses a read of the old value after the write completed', () => {
    const ops: RegisterOp[] = [
      { f: 'write', value: 1, invoke: 0, complete: 1 },
      { f: 'read', value: 0, invoke: 2, complete: 3 },
    ];
    const r = check(ops);
    assert.equal(r.result, 'violation');
    if (r.result === 'violation') assert.equal(r.blocked, 1);
  });

  it('refuses two reads that see the values in both orders (new, then old)', () => {
    const ops: RegisterOp[] = [
      { f: 'write', value: 1, invoke: 0, complete: 10 },
      { f: 'read', value: 1, invoke: 1, complete: 2 },
      { f: 'read', value: 0, invoke: 3, complete: 4 },
    ];
    assert.equal(check(ops).result, 'violation');
  });

  it('lets an unknown write take effect late, or never', () => {
    const late: RegisterOp[] = [
      { f: 'write', value: 1, invoke: 0, complete: Infinity, unknown: true },
      { f: 'read', value: 0, invoke: 5, complete: 6 },
      { f: 'read', value: 1, invoke: 7, complete: 8 },
    ];
    assert.equal(check(late).result, 'linearizable');
    const never: RegisterOp[] = [
      { f: 'write', value: 1, invoke: 0, complete: Infinity, unknown: true },
      { f: 'read', value: 0, invoke: 50, complete: 60 },
    ];
    assert.equal(check(never).result, 'linearizable');
  });

  it('does not let an unknown write take effect before it was invoked', () => {
    const ops: RegisterOp[] = [
      { f: 'read', value: 1, invoke: 0, complete: 1 },
      { f: 'write', value: 1, invoke: 2, complete: Infinity, unknown: true },
    ];
    assert.equal(check(ops).result, 'violation');
  });

  it('gives up, saying so, when its budget runs out', () => {
    // Many overlapping writes and a read no order explains: the search must try them all.
    const ops: RegisterOp[] = Array.from({ length: 12 }, (_, i): RegisterOp => ({ f: 'write', value: i + 1, invoke: 0, complete: 100 }));
    ops.push({ f: 'read', value: 99, invoke: 0, complete: 100 });
    assert.equal(check(ops, 50).result, 'unknown');
    assert.equal(check(ops).result, 'violation');
  });
});
