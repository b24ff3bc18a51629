import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChessErrorCode, GatewayErrorCode } from '@rookery/protocol';
import { ClientErrorCode, isRetryable, Outbox, type PendingCommand, type SeatEvent } from './outbox';

// Commands sent and not yet answered for good, and which refusals are worth a retry.

describe('isRetryable', () => {
  // Retrying sends the same request id again: safe whenever the cluster may not have carried the command out.
  const retryable = ['ERR_TIMEOUT', 'ERR_UNAVAILABLE', 'ERR_DRAINING', 'ERR_BEHIND', 'ERR_RATE_LIMITED', 'ERR_NO_ANSWER', 'ERR_OFFLINE'];
  // A refusal the state machine or the gateway gave on the command itself: sending it again cannot change it.
  const final = [
    'ERR_ILLEGAL_MOVE',
    'ERR_NOT_YOUR_TURN',
    'ERR_GAME_OVER',
    'ERR_NOT_STARTED',
    'ERR_NOT_SEATED',
    'ERR_UNKNOWN_GAME',
    'ERR_MALFORMED',
    'ERR_BAD_REQUEST',
    'ERR_SEAT_TAKEN',
    'ERR_NO_DRAW_OFFER',
    'ERR_CANNOT_ABORT',
    'ERR_REQUEST_ID_REUSED',
    'ERR_TOO_MANY_GAMES',
    '',
    'err_timeout',
  ];
  for (const code of retryable) it(`${code} is retried`, () => assert.equal(isRetryable(code), true));
  for (const code of final) it(`${JSON.stringify(code)} is final`, () => assert.equal(isRetryable(code), false));

  it('the table above names every gateway and client code, and every state machine code is final', () => {
    const named = new Set([...retryable, ...final]);
    for (const code of [...Object.values(GatewayErrorCode), ...Object.values(ClientErrorCode)]) assert.ok(named.has(code), `${code} is in neither list`);
    for (const code of Object.values(ChessErrorCode)) assert.equal(isRetryable(code), false, code);
  });
});

const cmd = (requestId: string, o: { event?: SeatEvent; gameId?: string; move?: string; basePly?: number } = {}): Omit<PendingCommand, 'attempts'> => ({
  requestId,
  event: o.event ?? 'game:move',
  gameId: o.gameId ?? 'g1',
  basePly: o.basePly ?? 0,
  ...(o.move === undefined ? {} : { move: o.move }),
});

describe('Outbox', () => {
  it('add keeps the command with no attempts yet; pending lists commands oldest first', () => {
    const o = new Outbox();
    const a = o.add(cmd('r1', { move: 'e2e4' }));
    o.add(cmd('r2', { event: 'game:offerDraw', basePly: 1 }));
    assert.deepEqual(a, { requestId: 'r1', event: 'game:move', gameId: 'g1', move: 'e2e4', basePly: 0, attempts: 0 });
    assert.deepEqual(o.pending().map((p) => p.requestId), ['r1', 'r2']);
  });

  it('pending filters by game', () => {
    const o = new Outbox();
    o.add(cmd('r1', { gameId: 'g1' }));
    o.add(cmd('r2', { gameId: 'g2' }));
    o.add(cmd('r3', { gameId: 'g1' }));
    assert.deepEqual(o.pending('g1').map((p) => p.requestId), ['r1', 'r3']);
    assert.deepEqual(o.pending('g2').map((p) => p.requestId), ['r2']);
    assert.deepEqual(o.pending('g3'), []);
  });

  it('pending is a copy: changing it does not change the outbox', () => {
    const o = new Outbox();
    o.add(cmd('r1'));
    (o.pending() as PendingCommand[]).length = 0;
    assert.equal(o.has('r1'), true);
  });

  it('has answers for commands added and not yet settled', () => {
    const o = new Outbox();
    o.add(cmd('r1'));
    assert.equal(o.has('r1'), true);
    assert.equal(o.has('r2'), false);
    o.settle('r1');
    assert.equal(o.has('r1'), false);
  });

  it('settle forgets the command and returns it; settling again, or an unknown id, returns undefined', () => {
    const o = new Outbox();
    o.add(cmd('r1'));
    o.add(cmd('r2'));
    o.add(cmd('r3'));
    assert.equal(o.settle('r2')?.requestId, 'r2');
    assert.deepEqual(o.pending().map((p) => p.requestId), ['r1', 'r3']);
    assert.equal(o.settle('r2'), undefined);
    assert.equal(o.settle('nope'), undefined);
    assert.deepEqual(o.pending().map((p) => p.requestId), ['r1', 'r3']);
  });

  it('sent counts each send of that command only; an unknown id changes nothing', () => {
    const o = new Outbox();
    o.add(cmd('r1'));
    o.add(cmd('r2'));
    o.sent('r1');
    o.sent('r1');
    o.sent('r2');
    o.sent('nope');
    assert.deepEqual(o.pending().map((p) => [p.requestId, p.attempts]), [
      ['r1', 2],
      ['r2', 1],
    ]);
    assert.equal(o.settle('r1')?.attempts, 2);
  });
});

describe('Outbox.pendingMove', () => {
  const o = new Outbox();
  o.add(cmd('m0', { move: 'e2e4', basePly: 0 }));
  o.add(cmd('m1-old', { move: 'g1f3', basePly: 1 }));
  o.add(cmd('d1', { event: 'game:offerDraw', basePly: 1 }));
  o.add(cmd('m1-new', { move: 'b1c3', basePly: 1 }));
  o.add(cmd('other', { gameId: 'g2', move: 'd2d4', basePly: 2 }));
  o.add(cmd('resign2', { event: 'game:resign', basePly: 2 }));

  const cases: { name: string; gameId: string; ply: number; requestId: string | undefined }[] = [
    { name: 'the move made on that position', gameId: 'g1', ply: 0, requestId: 'm0' },
    { name: 'the newest of two moves made on the same position', gameId: 'g1', ply: 1, requestId: 'm1-new' },
    { name: 'not a move made on another position', gameId: 'g1', ply: 3, requestId: undefined },
    { name: 'not another command made on that position', gameId: 'g1', ply: 2, requestId: undefined },
    { name: 'not another game\'s move', gameId: 'g3', ply: 2, requestId: undefined },
    { name: 'the other game\'s own move', gameId: 'g2', ply: 2, requestId: 'other' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(o.pendingMove(c.gameId, c.ply)?.requestId, c.requestId));

  it('once the newest is settled, the older one on that position shows', () => {
    const x = new Outbox();
    x.add(cmd('a', { move: 'g1f3', basePly: 1 }));
    x.add(cmd('b', { move: 'b1c3', basePly: 1 }));
    x.settle('b');
    assert.equal(x.pendingMove('g1', 1)?.requestId, 'a');
    x.settle('a');
    assert.equal(x.pendingMove('g1', 1), undefined);
  });
});
