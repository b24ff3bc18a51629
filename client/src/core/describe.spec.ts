import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndReason, GameResult } from '@rookery/protocol';
import { colorName, describeError, describeResult, other, TIME_CONTROLS, timeControlLabel } from './describe';

// What the player reads: the result banner, time controls, refusals.

describe('describeResult', () => {
  const cases: [result: GameResult, reason: EndReason | null, title: string, detail: string][] = [
    ['1-0', 'checkmate', '1–0', 'White wins by checkmate.'],
    ['0-1', 'checkmate', '0–1', 'Black wins by checkmate.'],
    ['1-0', 'resign', '1–0', 'Black resigned. White wins.'],
    ['0-1', 'resign', '0–1', 'White resigned. Black wins.'],
    ['1-0', 'timeout', '1–0', 'Black ran out of time. White wins.'],
    ['0-1', 'timeout', '0–1', 'White ran out of time. Black wins.'],
    ['1/2-1/2', 'stalemate', '½–½', 'Draw by stalemate.'],
    ['1/2-1/2', 'agreement', '½–½', 'Draw by agreement.'],
    ['1/2-1/2', 'threefold', '½–½', 'Draw by threefold repetition.'],
    ['1/2-1/2', 'fivefold', '½–½', 'Draw by fivefold repetition.'],
    ['1/2-1/2', 'fifty-moves', '½–½', 'Draw by the fifty-move rule.'],
    ['1/2-1/2', 'seventy-five-moves', '½–½', 'Draw by the seventy-five-move rule.'],
    ['1/2-1/2', 'insufficient-material', '½–½', 'Draw by insufficient material.'],
    ['1/2-1/2', 'timeout-vs-insufficient', '½–½', 'Draw by timeout against insufficient material.'],
    ['*', 'aborted', 'Game aborted', 'No result: the game was aborted before it really began.'],
    ['*', 'abandoned', 'Game abandoned', 'No result: nobody moved in time.'],
    ['*', null, 'Game in progress', ''],
  ];
  for (const [result, reason, title, detail] of cases) {
    it(`${result} by ${reason ?? 'nothing yet'}`, () => assert.deepEqual(describeResult(result, reason), { title, detail }));
  }

  it('every way a game can end has its own words', () => {
    const reasons = new Set(cases.map((c) => c[1]));
    const all: EndReason[] = ['checkmate', 'resign', 'timeout', 'timeout-vs-insufficient', 'stalemate', 'agreement', 'threefold', 'fivefold', 'fifty-moves', 'seventy-five-moves', 'insufficient-material', 'aborted', 'abandoned'];
    for (const r of all) assert.ok(reasons.has(r), `${r} is not in the table`);
    const details = cases.filter((c) => c[1] !== null).map((c) => c[3]);
    assert.equal(new Set(details).size, details.length, 'no two endings read the same');
  });
});

describe('timeControlLabel', () => {
  const cases: [initialMs: number | null, incrementMs: number, label: string][] = [
    [null, 0, 'Untimed'],
    [60_000, 0, '1+0'],
    [180_000, 2_000, '3+2'],
    [900_000, 10_000, '15+10'],
    [30_000, 0, '½+0'],
    [15_000, 1_000, '¼+1'],
    [90_000, 0, '1.5+0'],
    [10_800_000, 0, '180+0'],
  ];
  for (const [initialMs, incrementMs, label] of cases) {
    it(`${initialMs ?? 'untimed'}/${incrementMs} → ${label}`, () => assert.equal(timeControlLabel(initialMs === null ? null : { initialMs, incrementMs }), label));
  }

  it('names each timed control the lobby offers as its button does', () => {
    for (const t of TIME_CONTROLS) if (t.tc !== null) assert.equal(timeControlLabel(t.tc), t.label);
    assert.equal(TIME_CONTROLS.filter((t) => t.tc === null).length, 1, 'one untimed choice');
  });
});

describe('describeError', () => {
  const cases: [code: string, message: string, text: string][] = [
    ['ERR_NOT_YOUR_TURN', 'white to move', 'It is not your turn.'],
    ['ERR_ILLEGAL_MOVE', 'e2e5 is not legal', 'That move is not legal.'],
    ['ERR_GAME_OVER', 'ended', 'The game is over.'],
    ['ERR_NOT_STARTED', 'waiting', 'Waiting for your opponent to join.'],
    ['ERR_RATE_LIMITED', 'slow down', 'Too fast: slow down a little.'],
    ['ERR_SOMETHING_NEW', 'the server said so', 'the server said so (ERR_SOMETHING_NEW)'],
    ['ERR_TIMEOUT', 'not committed in time', 'not committed in time (ERR_TIMEOUT)'],
  ];
  for (const [code, message, text] of cases) it(code, () => assert.equal(describeError(code, message), text));
});

describe('colors', () => {
  it('other and colorName', () => {
    assert.deepEqual([other('white'), other('black')], ['black', 'white']);
    assert.deepEqual([colorName('white'), colorName('black')], ['White', 'Black']);
  });
});
